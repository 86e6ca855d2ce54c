// loadgen: parses flags, runs the load on its I/O threads while this thread draws the progress
// line, then prints the report.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>

#include "tools/loadgen/cli.hpp"
#include "tools/loadgen/load_run.hpp"
#include "tools/loadgen/report.hpp"

int main(int argc, char** argv) {
  using namespace qgate::loadgen;
  auto cli = parse_cli(argc, argv);
  if (!cli.options) {
    std::fputs(cli.message.c_str(), cli.exit_code == 0 ? stdout : stderr);
    return cli.exit_code;
  }
  run_options o = *cli.options;
  if (auto failure = resolve_host(o)) {
    std::fprintf(stderr, "loadgen: %s\n", failure->c_str());
    return 2;
  }
  live_counters live;
  auto done = std::async(std::launch::async, [&] { return run_load(o, live); });

  // A terminal gets one line rewritten in place; a pipe or file gets a line every 5 s.
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto period = std::chrono::milliseconds(tty ? 1000 : 5000);
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t last_completed = 0;
  bool drew = false;
  while (done.wait_for(period) != std::future_status::ready) {
    if (!o.progress) continue;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::uint64_t completed = live.completed;
    const double rate = static_cast<double>(completed - last_completed) * 1000.0 /
                        static_cast<double>(period.count());
    last_completed = completed;
    const auto line = format_progress(
        elapsed, completed, rate,
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, live.in_flight)), live.errors);
    std::fprintf(stderr, tty ? "\r%s" : "%s\n", line.c_str());
    drew = true;
  }
  if (drew && tty) std::fputs("\n", stderr);
  const run_result result = done.get();
  const std::string report = o.json ? format_json(o, result) : format_human(o, result);
  std::fputs(report.c_str(), stdout);
  return 0;
}
