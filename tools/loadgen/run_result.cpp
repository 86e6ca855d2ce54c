// Merging is plain addition; rates are derived, never stored.
#include "tools/loadgen/run_result.hpp"

#include <algorithm>

namespace qgate::loadgen {

void run_result::merge(const run_result& other) {
  measured_ns = std::max(measured_ns, other.measured_ns);
  completed += other.completed;
  ok += other.ok;
  bad_bodies += other.bad_bodies;
  for (const auto& [status, n] : other.statuses) statuses[status] += n;
  for (const auto& [kind, n] : other.transport) transport[kind] += n;
  connections += other.connections;
  latency.merge(other.latency);
  ttft.merge(other.ttft);
  gap.merge(other.gap);
  streams += other.streams;
  lost_streams += other.lost_streams;
  stalled += other.stalled;
  frames += other.frames;
  malformed += other.malformed;
  error_frames += other.error_frames;
  frames_lost += other.frames_lost;
  output_tokens += other.output_tokens;
  usage_missing += other.usage_missing;
}

std::uint64_t run_result::errors() const {
  std::uint64_t n = bad_bodies;
  for (const auto& [status, count] : statuses) {
    if (status < 200 || status >= 300) n += count;
  }
  for (const auto& [kind, count] : transport) n += count;
  return n;
}

double run_result::requests_per_second() const {
  if (measured_ns <= 0) return 0;
  return static_cast<double>(completed) * 1e9 / static_cast<double>(measured_ns);
}

double run_result::output_tokens_per_second() const {
  if (measured_ns <= 0) return 0;
  return static_cast<double>(output_tokens) * 1e9 / static_cast<double>(measured_ns);
}

}  // namespace qgate::loadgen
