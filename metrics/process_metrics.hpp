// The standard process metrics (the names every Prometheus client library exports, unprefixed),
// read from /proc/self at scrape time.
#pragma once

#include "metrics/collector.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::metrics {

// The fields qgate uses of /proc/self/stat, in the kernel's units.
struct proc_stat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // since boot
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_pages = 0;
};
// Parses /proc/<pid>/stat's one line (the command name may hold spaces and parentheses). Pure.
[[nodiscard]] std::optional<proc_stat> parse_proc_stat(std::string_view text) noexcept;
// The `btime` line of /proc/stat: the boot time, in seconds since the epoch. Pure.
[[nodiscard]] std::optional<std::uint64_t> parse_boot_time(std::string_view text) noexcept;

struct process_stats {
  double cpu_seconds = 0;
  double start_time_seconds = 0;  // since the epoch
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_bytes = 0;
  std::uint64_t open_fds = 0;
  double max_fds = 0;  // +Inf without a limit
};
// This process, now; nothing when /proc is not readable.
[[nodiscard]] std::optional<process_stats> read_process_stats();

// process_cpu_seconds_total, process_start_time_seconds, process_virtual_memory_bytes,
// process_resident_memory_bytes, process_open_fds, process_max_fds; none when /proc fails.
class process_collector final : public collector {
 public:
  void collect(std::string& out) const override;
};

}  // namespace qgate::metrics
