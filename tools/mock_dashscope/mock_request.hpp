// What the mock understood of one generation request, and the fault it was asked to play.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

enum class fault {
  none,
  auth,
  throttle,
  internal,
  unavailable,
  inspect,
  inspect_mid,
  stall_first,
  stall_mid,
  drop_mid,
  malformed,
};

std::optional<fault> fault_from_name(std::string_view name);

// A DashScope error: HTTP status, `code` and `message` exactly as the platform writes them.
struct upstream_error {
  int status = 400;
  std::string code;
  std::string message;
};

struct generation {
  std::string model;
  bool message_format = false;  // result_format "message" (else "text")
  bool incremental = false;
  std::optional<std::int64_t> max_tokens;
  std::string last_user_content;
  std::int64_t input_tokens = 0;  // code points over all message contents
  // Per-request overrides from [[chunks:N]], [[interval:MS]], [[first-byte:MS]], [[fault:NAME]].
  std::optional<int> chunks;
  std::optional<int> interval_ms;
  std::optional<int> first_byte_ms;
  fault scripted = fault::none;
};

struct parsed_generation {
  std::optional<generation> value;
  std::optional<upstream_error> failure;
};

// Parses and validates like DashScope does (messages of the protocol notes §6.3).
parsed_generation parse_generation(std::string_view body);

// The fault named by the X-Mock-Fault header wins over a marker in the prompt.
upstream_error error_of(fault f);

std::int64_t count_code_points(std::string_view text);

}  // namespace qgate::mock
