// Counts the SSE frames of one response body as its bytes arrive, split anywhere: content frames,
// malformed frames, the end marker. It checks shape, not full JSON, so that the load generator
// stays cheap next to the server it measures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qgate::loadgen {

// Which wire format the stream speaks.
enum class sse_dialect {
  gateway,    // qgate's API: `data: {"content":…}` frames, then `data: [DONE]`
  dashscope,  // DashScope native: `data:{"output":…}` events; the end is a non-null finish_reason
};

struct sse_counts {
  std::uint64_t frames = 0;     // events with data, the end marker included
  std::uint64_t content = 0;    // well-formed content frames
  std::uint64_t malformed = 0;  // data that is not a well-formed frame, or data after the end
  std::uint64_t errors = 0;     // in-stream error frames (`{"code":…}` in the gateway dialect)
  bool ended = false;           // [DONE] (gateway) or the final event (dashscope) was seen
};

class sse_accounting {
 public:
  // A line longer than this is malformed and skipped, so a runaway stream cannot grow memory.
  static constexpr std::size_t max_line_bytes = 1 << 20;

  explicit sse_accounting(sse_dialect dialect) : dialect_(dialect) {}

  // Feeds body bytes; returns how many content frames completed within them.
  std::size_t feed(std::string_view bytes);
  [[nodiscard]] const sse_counts& counts() const { return counts_; }
  // A stream is lost when it did not end properly or carried malformed frames.
  [[nodiscard]] bool lost() const { return !counts_.ended || counts_.malformed != 0; }
  void reset();

 private:
  void on_line(std::string_view line);
  void on_event();
  [[nodiscard]] bool judge(std::string_view data);

  sse_dialect dialect_;
  sse_counts counts_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool line_too_long_ = false;
  bool last_was_cr_ = false;
  std::size_t completed_ = 0;
};

}  // namespace qgate::loadgen
