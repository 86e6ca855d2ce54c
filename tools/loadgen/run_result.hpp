// What one run measured; each I/O thread fills its own and they are merged at the end.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "tools/loadgen/histogram.hpp"

namespace qgate::loadgen {

struct run_result {
  std::int64_t measured_ns = 0;  // from the end of the warm-up to the last recorded completion
  std::uint64_t completed = 0;   // responses received whole (any status)
  std::uint64_t ok = 0;          // 2xx of the target's shape, and for streams not lost
  std::uint64_t bad_bodies = 0;  // non-stream 2xx whose body is not the target's success shape
  std::map<int, std::uint64_t> statuses;           // by HTTP status
  std::map<std::string, std::uint64_t> transport;  // connect, read, write, stall, unfinished
  std::uint64_t connections = 0;                   // connections opened
  histogram latency;  // ns, from the issue (open loop: the intended send time), connect included
  histogram ttft;     // ns, streams: issue to first content frame
  histogram gap;      // ns, streams: between consecutive content frames

  std::uint64_t streams = 0;       // 2xx streams read to their end or cut
  std::uint64_t lost_streams = 0;  // did not end properly, or carried malformed frames
  std::uint64_t stalled = 0;       // no byte for stall_timeout_ms
  std::uint64_t frames = 0;        // content frames received
  std::uint64_t malformed = 0;     // malformed frames
  std::uint64_t error_frames = 0;  // in-stream error frames
  std::uint64_t frames_lost = 0;   // expected content frames that never came

  // Output tokens of 2xx answers (streams cut midway included): the usage the server reported,
  // or, when it reported none, the content frames received (0 for a body).
  std::uint64_t output_tokens = 0;
  std::uint64_t usage_missing = 0;  // answers counted by the fallback

  void merge(const run_result& other);
  // Non-2xx statuses, transport failures and bad bodies.
  [[nodiscard]] std::uint64_t errors() const;
  [[nodiscard]] double requests_per_second() const;
  [[nodiscard]] double output_tokens_per_second() const;
};

}  // namespace qgate::loadgen
