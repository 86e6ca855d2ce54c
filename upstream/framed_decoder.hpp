// What both providers' decoders share: the framing of an answer. A stream's SSE events go one by
// one to the provider's on_event; a whole body (a unary call, an error, or a stream request some
// server answered with one JSON document) is kept, bounded, for on_end. The first final value
// ends the decoder.
#pragma once

#include "upstream/call_decoder.hpp"
#include "upstream/sse_decoder.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

class framed_decoder : public call_decoder {
 public:
  static constexpr std::size_t max_unary_body_bytes = 16 << 20;

  explicit framed_decoder(bool stream) : stream_(stream) {}

  void on_status(long http_status) noexcept final { http_status_ = http_status; }
  void on_bytes(std::string_view bytes, std::vector<decoded>& out) final;
  bool finished() const noexcept final { return finished_; }

 protected:
  // A 200 stream read as SSE (not an error body, not a JSON answer to a stream request).
  bool streaming_body() const noexcept { return stream_ && http_status_ == 200 && !json_answer_; }
  virtual void on_event(sse_event& event, std::vector<decoded>& out) = 0;
  // The transfer ended: the events still held by the SSE decoder, in order.
  void drain_events(std::vector<decoded>& out);
  // A delta without `finish` goes on; anything else is the final value.
  void emit(decoded value, std::vector<decoded>& out);

  bool stream() const noexcept { return stream_; }
  long http_status() const noexcept { return http_status_; }
  const std::string& body() const noexcept { return body_; }

 private:
  bool stream_;
  long http_status_ = 0;
  bool finished_ = false;
  bool sniffed_ = false;
  bool json_answer_ = false;  // a stream request answered with one JSON body
  sse_decoder sse_;
  std::vector<sse_event> events_;
  std::string body_;
};

}  // namespace qgate::upstream
