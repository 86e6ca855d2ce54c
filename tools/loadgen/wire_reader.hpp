// Reads what a target sends back, one SSE event's data or one non-stream body at a time, with
// simdjson: whether it carries tokens, ends the stream, reports an error, and the output tokens of
// the usage it reports. Pure: bytes in, verdicts out; the parser's buffers are reused, so one
// reader serves every connection of an I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "tools/loadgen/sse_dialect.hpp"

namespace qgate::loadgen {

// What one SSE event's data is.
struct frame_verdict {
  bool content = false;      // carries generated tokens (or, for DashScope, is an output event)
  bool error = false;        // an in-stream error
  bool malformed = false;    // not the dialect's shape
  bool finished = false;     // names a finish reason: generation is over
  bool ends_stream = false;  // the end marker: nothing may follow it
  std::optional<std::uint64_t> output_tokens;  // the usage the frame reports
};

// What one 2xx non-stream body is.
struct body_verdict {
  bool ok = false;  // the dialect's success shape
  std::optional<std::uint64_t> output_tokens;
};

class wire_reader {
 public:
  explicit wire_reader(sse_dialect dialect);
  ~wire_reader();
  wire_reader(const wire_reader&) = delete;
  wire_reader& operator=(const wire_reader&) = delete;

  [[nodiscard]] sse_dialect dialect() const { return dialect_; }
  [[nodiscard]] frame_verdict read_frame(std::string_view data);
  [[nodiscard]] body_verdict read_body(std::string_view body);

 private:
  struct parser;  // simdjson stays out of this header (and out of the Beast translation unit)

  sse_dialect dialect_;
  std::unique_ptr<parser> parser_;
};

}  // namespace qgate::loadgen
