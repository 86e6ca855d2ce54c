// Counts the SSE frames of one response body as its bytes arrive, split anywhere: content frames,
// malformed and error frames, the end of generation and of the stream, and the output tokens the
// server reports. Framing is here; what each event's data means is the wire_reader's call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/loadgen/sse_dialect.hpp"
#include "tools/loadgen/wire_reader.hpp"

namespace qgate::loadgen {

struct sse_counts {
  std::uint64_t frames = 0;     // events with data, the end marker included
  std::uint64_t content = 0;    // well-formed content frames
  std::uint64_t malformed = 0;  // data that is not a well-formed frame, or data after the end
  std::uint64_t errors = 0;     // in-stream error frames
  bool finished = false;        // a frame named a finish reason
  bool ended = false;           // [DONE] (gateway, openai) or the final event (dashscope) was seen
  bool usage_seen = false;      // a frame reported usage
  std::uint64_t usage_output_tokens = 0;  // the last usage reported (DashScope's is cumulative)
};

class sse_accounting {
 public:
  // A line longer than this is malformed and skipped, so a runaway stream cannot grow memory.
  static constexpr std::size_t max_line_bytes = 1 << 20;

  // `reader` is shared (one per I/O thread) and must outlive this.
  explicit sse_accounting(wire_reader& reader) : reader_(reader) {}

  // Feeds body bytes; returns how many content frames completed within them.
  std::size_t feed(std::string_view bytes);
  [[nodiscard]] const sse_counts& counts() const { return counts_; }
  // A stream is lost when it did not end properly or carried malformed frames; an OpenAI stream
  // also when no chunk named a finish reason.
  [[nodiscard]] bool lost() const;
  // The usage the server reported, or else the content frames counted.
  [[nodiscard]] std::uint64_t output_tokens() const {
    return counts_.usage_seen ? counts_.usage_output_tokens : counts_.content;
  }
  void reset();

 private:
  void on_line(std::string_view line);
  void on_event();
  [[nodiscard]] bool judge(std::string_view data);

  wire_reader& reader_;
  sse_counts counts_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool line_too_long_ = false;
  bool last_was_cr_ = false;
  std::size_t completed_ = 0;
};

}  // namespace qgate::loadgen
