// Incremental, split-safe decoder of a server-sent-event stream (the DashScope native framing).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

struct sse_event {
  std::string id;
  std::string event;               // empty means the default "message"
  std::string data;                // data lines joined by '\n'
  std::optional<int> http_status;  // from DashScope's `:HTTP_STATUS/<n>` comment line
};

class sse_decoder {
 public:
  static constexpr std::size_t default_max_event_bytes = 4 << 20;

  explicit sse_decoder(std::size_t max_event_bytes = default_max_event_bytes)
      : max_event_bytes_(max_event_bytes) {}

  // Appends every event completed by `bytes` to `out`. Returns false once an event grows beyond
  // the limit; the decoder then ignores further input.
  [[nodiscard]] bool feed(std::string_view bytes, std::vector<sse_event>& out);

  // End of stream: an event still open (no blank line after it) is delivered if it has data.
  void finish(std::vector<sse_event>& out);

  bool overflowed() const noexcept { return overflowed_; }

 private:
  void take_line(std::string_view line, std::vector<sse_event>& out);
  void dispatch(std::vector<sse_event>& out);

  std::size_t max_event_bytes_;
  std::string line_;
  sse_event pending_;
  bool has_fields_ = false;
  bool has_data_ = false;
  bool skip_line_feed_ = false;  // the previous chunk ended in '\r' of a "\r\n"
  bool overflowed_ = false;
};

}  // namespace qgate::upstream
