// The only CLI11 translation unit. CLI11 reports errors as exceptions; they are caught here and
// turned into a value, so nothing else in the tool sees them.
#include "tools/loadgen/cli.hpp"

#include <CLI/CLI.hpp>

#include <map>

namespace qgate::loadgen {
namespace {

// "http://host:port" or "host:port"; false when it is neither.
bool parse_url(std::string url, run_options& o) {
  if (url.rfind("http://", 0) == 0) url.erase(0, 7);
  const auto slash = url.find('/');
  if (slash != std::string::npos) {
    o.path = url.substr(slash);
    url.erase(slash);
  }
  const auto colon = url.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  o.host = url.substr(0, colon);
  if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']') {
    o.host = o.host.substr(1, o.host.size() - 2);  // [::1]:8000
  }
  try {
    const int port = std::stoi(url.substr(colon + 1));
    if (port <= 0 || port > 65535) return false;
    o.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

cli_result parse_cli(int argc, const char* const* argv) {
  run_options o;
  std::string url = "http://127.0.0.1:8000";
  std::string target = "gateway";
  double rate = 0;
  bool quiet = false;

  CLI::App app{
      "loadgen: HTTP load generator for qgate's chat APIs, DashScope's and OpenAI-compatible ones"};
  app.add_option("--url", url, "server base URL, http://HOST:PORT[/path]")->capture_default_str();
  app.add_option("--target", target,
                 "wire format: gateway (qgate API), dashscope (native) or openai (Chat "
                 "Completions, /v1/chat/completions)")
      ->check(CLI::IsMember({"gateway", "dashscope", "openai"}))
      ->capture_default_str();
  app.add_option("--model", o.model, "model name")->capture_default_str();
  app.add_option("--api-key", o.api_key, "sent as Authorization: Bearer KEY");
  app.add_flag("--stream", o.stream, "ask for Server-Sent Events");
  app.add_option("--prompt-bytes", o.prompt_bytes, "prompt size in bytes")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
  app.add_option("-c,--concurrency", o.concurrency, "closed loop: requests in flight")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--rate", rate, "open loop: arrivals per second (latency from intended send)")
      ->check(CLI::Range(0.001, 1e7));
  app.add_option("--max-connections", o.max_connections, "open loop: connection cap")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("-d,--duration", o.duration_s, "measured seconds (after warm-up)")
      ->check(CLI::Range(0.01, 86400.0))
      ->capture_default_str();
  app.add_option("-n,--requests", o.requests, "measured requests instead of a duration");
  app.add_option("--warmup", o.warmup_s, "warm-up seconds, not recorded")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--stall-timeout-ms", o.stall_timeout_ms, "no byte this long: stalled")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  app.add_option("--drain-timeout-ms", o.drain_timeout_ms, "time for requests in flight at the end")
      ->check(CLI::Range(0, 3600000))
      ->capture_default_str();
  app.add_option("--connect-timeout-ms", o.connect_timeout_ms, "connect bound")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--expect-frames", o.expect_frames, "content frames each stream must carry");
  app.add_option("--threads", o.threads, "I/O threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_flag("--json", o.json, "print one JSON object instead of the table");
  app.add_flag("-q,--quiet", quiet, "no progress line on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = app.exit(e, out, err);
    return {std::nullopt, out.str() + err.str(), code};
  }
  if (!parse_url(url, o)) return {std::nullopt, "bad --url " + url + "\n", 2};
  for (const auto d : {sse_dialect::gateway, sse_dialect::dashscope, sse_dialect::openai}) {
    if (target == dialect_name(d)) o.target = d;
  }
  if (rate > 0) {
    o.mode = load_mode::open;
    o.rate = rate;
  }
  o.progress = !quiet;
  if (o.threads > o.concurrency && o.mode == load_mode::closed) o.threads = o.concurrency;
  return {std::move(o), {}, 0};
}

}  // namespace qgate::loadgen
