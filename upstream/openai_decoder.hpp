// Pure, incremental translation of an OpenAI-compatible chat-completions response (JSON or SSE)
// into qgate's chat values: the OpenAI implementation of call_decoder.
#pragma once

#include "messages/chat.hpp"
#include "upstream/call_decoder.hpp"
#include "upstream/sse_decoder.hpp"
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
class openai_decoder final : public call_decoder {
 public:
  static constexpr std::size_t max_unary_body_bytes = 16 << 20;

  explicit openai_decoder(bool stream) : stream_(stream) {}

  void on_status(long http_status) noexcept override { http_status_ = http_status; }
  void on_bytes(std::string_view bytes, std::vector<decoded>& out) override;
  void on_end(const transfer_outcome& outcome, std::vector<decoded>& out) override;
  bool finished() const noexcept override { return finished_; }

 private:
  bool streaming_body() const noexcept { return stream_ && http_status_ == 200 && !json_answer_; }
  void on_event(const sse_event& event, std::vector<decoded>& out);
  void on_error_event(const sse_event& event, std::vector<decoded>& out);
  void on_done(std::vector<decoded>& out);
  void emit(decoded value, std::vector<decoded>& out);

  bool stream_;
  long http_status_ = 0;
  bool finished_ = false;
  bool sniffed_ = false;
  bool json_answer_ = false;  // a stream request answered with one JSON body
  sse_decoder sse_;
  std::vector<sse_event> events_;
  std::string body_;
  std::optional<chat_delta> final_;  // the step that carried finish_reason, held for the usage
  token_usage last_usage_;           // the latest usage the stream reported
};

}  // namespace qgate::upstream
