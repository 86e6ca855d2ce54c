// Runs the load described by run_options and returns what it measured. The Asio/Beast side lives
// in load_run.cpp alone; this header keeps every other file free of Beast.
#pragma once

#include <atomic>
#include <cstdint>

#include "tools/loadgen/run_options.hpp"
#include "tools/loadgen/run_result.hpp"

namespace qgate::loadgen {

// Live counters the I/O threads bump and the progress line reads.
struct live_counters {
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::uint64_t> claimed{0};  // measured requests handed out (request-count mode)
  std::atomic<int> running{0};            // I/O threads still working
};

// Blocks until the load is done: the duration or request count reached and the requests in
// flight finished or ran out of drain time. `live` is updated as it goes.
[[nodiscard]] run_result run_load(const run_options& o, live_counters& live);

}  // namespace qgate::loadgen
