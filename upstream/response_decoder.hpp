// Pure, incremental translation of a DashScope native response (JSON or SSE) into qgate's chat
// values: the DashScope implementation of call_decoder.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "upstream/call_decoder.hpp"
#include "upstream/sse_decoder.hpp"
#include "upstream/transfer.hpp"
#include "upstream/upstream_error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

class response_decoder final : public call_decoder {
 public:
  static constexpr std::size_t max_unary_body_bytes = 16 << 20;

  explicit response_decoder(bool stream) : stream_(stream) {}

  void on_status(long http_status) noexcept override { http_status_ = http_status; }
  void on_bytes(std::string_view bytes, std::vector<decoded>& out) override;
  // The transfer ended (normally or not): emits the final value if none was emitted yet.
  void on_end(const transfer_outcome& outcome, std::vector<decoded>& out) override;
  bool finished() const noexcept override { return finished_; }

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

}  // namespace qgate::upstream
