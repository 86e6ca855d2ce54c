// What qgate keeps of an upstream's error (bounded, sanitized) and the one upstream → errc mapping
// that every provider's decoder shares.
#pragma once

#include "messages/error.hpp"
#include "upstream/transfer.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace qgate::upstream {

// What qgate keeps of an upstream error body: its `code` and `message` and nothing else, each
// bounded and on one printable line (sanitize_text). Secrets are redacted later, by the session,
// which knows the keys.
struct upstream_error_body {
  std::string code;
  std::string message;
};

inline constexpr std::size_t max_error_code_bytes = 64;
inline constexpr std::size_t max_error_message_bytes = 256;
// The message of an error body that is not JSON (an HTML page from a proxy, plain text): none of
// it is shown or logged.
inline constexpr std::string_view non_json_error_message = "上游返回了非 JSON 的错误响应";

// Reads `{"code","message"}` (DashScope native) or `{"error":{"code","message"}}` (OpenAI and
// DashScope's compatible mode) from a JSON error body, or from the data line of an SSE error
// frame; any other body gives `non_json_error_message` and no code.
[[nodiscard]] upstream_error_body parse_error_body(std::string_view body);
// Content moderation (DashScope `DataInspectionFailed`, compatible mode `data_inspection_failed`):
// reported to the client as finish_reason content_filter, not as an error.
[[nodiscard]] bool is_data_inspection(const upstream_error_body& body);
// The one upstream → qgate error mapping (status and upstream code → errc and detail).
[[nodiscard]] error classify_upstream_error(long http_status, const upstream_error_body& body);
[[nodiscard]] error classify_transfer_failure(const transfer_outcome& outcome);

}  // namespace qgate::upstream
