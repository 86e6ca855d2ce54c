// Pure, incremental translation of a DashScope response (JSON or SSE) into qgate's chat values.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "upstream/sse_decoder.hpp"
#include "upstream/transfer.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qgate::upstream {

// A stream yields deltas (the last has `finish`) or an error; a unary call one completion or error.
using decoded = std::variant<chat_delta, chat_completion, error>;

// What qgate keeps of an upstream error body: DashScope's `code` and `message` and nothing else,
// each bounded and on one printable line (sanitize_text). Secrets are redacted later, by the
// session, which knows the keys.
struct upstream_error_body {
  std::string code;
  std::string message;
};

inline constexpr std::size_t max_error_code_bytes = 64;
inline constexpr std::size_t max_error_message_bytes = 256;
// The message of an error body that is not JSON (an HTML page from a proxy, plain text): none of
// it is shown or logged.
inline constexpr std::string_view non_json_error_message = "上游返回了非 JSON 的错误响应";

class response_decoder {
 public:
  static constexpr std::size_t max_unary_body_bytes = 16 << 20;

  explicit response_decoder(bool stream) : stream_(stream) {}

  void on_status(long http_status) noexcept { http_status_ = http_status; }
  void on_bytes(std::string_view bytes, std::vector<decoded>& out);
  // The transfer ended (normally or not): emits the final value if none was emitted yet.
  void on_end(const transfer_outcome& outcome, std::vector<decoded>& out);
  bool finished() const noexcept { return finished_; }

 private:
  bool streaming_body() const noexcept { return stream_ && http_status_ == 200 && !json_answer_; }
  void on_event(sse_event& event, std::vector<decoded>& out);
  void emit(decoded value, std::vector<decoded>& out);

  bool stream_;
  long http_status_ = 0;
  bool finished_ = false;
  bool sniffed_ = false;
  bool json_answer_ = false;  // a stream request answered with one JSON body
  sse_decoder sse_;
  std::vector<sse_event> events_;
  std::string body_;
  token_usage last_usage_;
};

// Parses one `event:result` data payload (message or text result format).
[[nodiscard]] result<chat_delta> parse_stream_event(std::string_view data);
// Parses a whole non-stream 200 body.
[[nodiscard]] result<chat_completion> parse_unary_response(std::string_view body);
// Reads `{"code","message"}` (or compatible mode's `{"error":{"code","message"}}`) from a JSON
// error body, or from the data line of an SSE error frame; any other body gives
// `non_json_error_message` and no code.
[[nodiscard]] upstream_error_body parse_error_body(std::string_view body);
bool is_data_inspection(const upstream_error_body& body);
// The one upstream → qgate error mapping (status and DashScope code → errc and detail).
error classify_upstream_error(long http_status, const upstream_error_body& body);
error classify_transfer_failure(const transfer_outcome& outcome);

}  // namespace qgate::upstream
