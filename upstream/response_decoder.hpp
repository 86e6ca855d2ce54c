// Pure, incremental translation of a DashScope native response (JSON or SSE) into qgate's chat
// values: the DashScope implementation of call_decoder.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "upstream/call_decoder.hpp"
#include "upstream/framed_decoder.hpp"
#include "upstream/transfer.hpp"
#include "upstream/upstream_error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

class response_decoder final : public framed_decoder {
 public:
  explicit response_decoder(bool stream) : framed_decoder(stream) {}

  // The transfer ended (normally or not): emits the final value if none was emitted yet.
  void on_end(const transfer_outcome& outcome, std::vector<decoded>& out) override;

 private:
  void on_event(sse_event& event, std::vector<decoded>& out) override;

  token_usage last_usage_;
};

// Parses one `event:result` data payload (message or text result format).
[[nodiscard]] result<chat_delta> parse_stream_event(std::string_view data);
// Parses a whole non-stream 200 body.
[[nodiscard]] result<chat_completion> parse_unary_response(std::string_view body);

}  // namespace qgate::upstream
