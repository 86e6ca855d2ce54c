// Latencies are printed in microseconds: the gateway's added latency lives at that scale.
// Output tokens/s is total output tokens over the measured time, whatever the target.
#include "tools/loadgen/report.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::loadgen {
namespace {

double us(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

void human_histogram(std::string& out, std::string_view name, const histogram& h) {
  if (h.count() == 0) return;
  fmt::format_to(
      std::back_inserter(out),
      "{:<12} p50 {:>10.1f}  p90 {:>10.1f}  p99 {:>10.1f}  p99.9 {:>10.1f}  max {:>10.1f}"
      "  (µs, n={})\n",
      name, us(h.percentile(50)), us(h.percentile(90)), us(h.percentile(99)),
      us(h.percentile(99.9)), us(h.max()), h.count());
}

void json_histogram(std::string& out, std::string_view name, const histogram& h) {
  fmt::format_to(std::back_inserter(out),
                 ",\"{}\":{{\"count\":{},\"mean\":{:.1f},\"p50\":{:.1f},\"p90\":{:.1f},"
                 "\"p99\":{:.1f},\"p999\":{:.1f},\"max\":{:.1f}}}",
                 name, h.count(), h.mean() / 1000.0, us(h.percentile(50)), us(h.percentile(90)),
                 us(h.percentile(99)), us(h.percentile(99.9)), us(h.max()));
}

}  // namespace

std::string format_human(const run_options& o, const run_result& r) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "target     {} http://{}:{}{} ({}{})\n", dialect_name(o.target), o.host,
                 o.port, effective_path(o), o.stream ? "stream" : "non-stream",
                 o.mode == load_mode::closed
                     ? fmt::format(", closed loop, concurrency {}", o.concurrency)
                     : fmt::format(", open loop, {} req/s", o.rate));
  fmt::format_to(it, "requests   {} completed in {:.3f} s: {:.1f} req/s, {} ok, {} connections\n",
                 r.completed, static_cast<double>(r.measured_ns) / 1e9, r.requests_per_second(),
                 r.ok, r.connections);
  human_histogram(out, "latency", r.latency);
  human_histogram(out, "ttft", r.ttft);
  human_histogram(out, "chunk gap", r.gap);
  fmt::format_to(it, "tokens     {} output, {:.1f} output tokens/s", r.output_tokens,
                 r.output_tokens_per_second());
  if (r.usage_missing != 0) {
    fmt::format_to(it, " ({} answers reported no usage: {})", r.usage_missing,
                   o.stream ? "their content frames counted" : "counted as 0");
  }
  out += '\n';
  if (o.stream) {
    fmt::format_to(it,
                   "streams    {} read, {} lost, {} stalled; frames {} ({} malformed, {} error, "
                   "{} missing)\n",
                   r.streams, r.lost_streams, r.stalled, r.frames, r.malformed, r.error_frames,
                   r.frames_lost);
  }
  fmt::format_to(it, "errors     {}", r.errors());
  if (r.bad_bodies != 0) fmt::format_to(it, "  bad body: {}", r.bad_bodies);
  for (const auto& [status, n] : r.statuses) {
    if (status < 200 || status >= 300) fmt::format_to(it, "  http {}: {}", status, n);
  }
  for (const auto& [kind, n] : r.transport) fmt::format_to(it, "  {}: {}", kind, n);
  out += '\n';
  return out;
}

std::string format_json(const run_options& o, const run_result& r) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "{{\"target\":\"{}\",\"stream\":{},\"mode\":\"{}\",\"concurrency\":{},"
                 "\"rate\":{},\"completed\":{},\"ok\":{},\"seconds\":{:.6f},\"rps\":{:.1f},"
                 "\"connections\":{},\"errors\":{}",
                 dialect_name(o.target), o.stream, o.mode == load_mode::closed ? "closed" : "open",
                 o.concurrency, o.rate, r.completed, r.ok, static_cast<double>(r.measured_ns) / 1e9,
                 r.requests_per_second(), r.connections, r.errors());
  out += ",\"statuses\":{";
  bool first = true;
  for (const auto& [status, n] : r.statuses) {
    fmt::format_to(it, "{}\"{}\":{}", first ? "" : ",", status, n);
    first = false;
  }
  out += "},\"transport\":{";
  first = true;
  for (const auto& [kind, n] : r.transport) {
    fmt::format_to(it, "{}\"{}\":{}", first ? "" : ",", kind, n);
    first = false;
  }
  out += '}';
  json_histogram(out, "latency_us", r.latency);
  json_histogram(out, "ttft_us", r.ttft);
  json_histogram(out, "gap_us", r.gap);
  fmt::format_to(it,
                 ",\"streams\":{},\"lost_streams\":{},\"stalled\":{},\"frames\":{},"
                 "\"malformed\":{},\"error_frames\":{},\"frames_lost\":{},\"bad_bodies\":{},"
                 "\"output_tokens\":{},\"output_tokens_per_s\":{:.1f},\"usage_missing\":{}}}\n",
                 r.streams, r.lost_streams, r.stalled, r.frames, r.malformed, r.error_frames,
                 r.frames_lost, r.bad_bodies, r.output_tokens, r.output_tokens_per_second(),
                 r.usage_missing);
  return out;
}

std::string format_progress(double elapsed_s, std::uint64_t completed, double rate,
                            std::uint64_t in_flight, std::uint64_t errors) {
  return fmt::format("[{:7.1f} s] {:>10} done  {:>10.1f} req/s  {:>6} in flight  {:>6} errors",
                     elapsed_s, completed, rate, in_flight, errors);
}

}  // namespace qgate::loadgen
