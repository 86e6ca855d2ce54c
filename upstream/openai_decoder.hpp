// Pure, incremental translation of an OpenAI-compatible chat-completions response (JSON or SSE)
// into qgate's chat values: the OpenAI implementation of call_decoder.
#pragma once

#include "messages/chat.hpp"
#include "upstream/call_decoder.hpp"
#include "upstream/framed_decoder.hpp"
#include "upstream/transfer.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

// A stream's chunk with a finish_reason is not its end: the usage chunk (`choices: []`) follows
// it, then `data: [DONE]`. So the finishing step is held and sent, with the usage, at [DONE] (or
// when the transfer ends without one: servers without include_usage or [DONE] give zero usage).
// A stream that ends before any finish_reason is a failure, never a normal stop.
class openai_decoder final : public framed_decoder {
 public:
  explicit openai_decoder(bool stream) : framed_decoder(stream) {}

  void on_end(const transfer_outcome& outcome, std::vector<decoded>& out) override;

 private:
  void on_event(sse_event& event, std::vector<decoded>& out) override;
  void on_error_event(const sse_event& event, std::vector<decoded>& out);
  void on_done(std::vector<decoded>& out);

  std::optional<chat_delta> final_;  // the step that carried finish_reason, held for the usage
  token_usage last_usage_;           // the latest usage the stream reported
};

}  // namespace qgate::upstream
