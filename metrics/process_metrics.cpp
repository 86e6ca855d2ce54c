// Process metrics from /proc/self/stat, /proc/stat (boot time), /proc/self/fd and the fd limit.
#include "metrics/process_metrics.hpp"

#include "metrics/exposition.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace qgate::metrics {
namespace {

// /proc/stat grows with the core count (a few KB per 100 cores): this bounds it generously.
constexpr std::size_t max_proc_file_bytes = 1 << 20;

std::optional<std::string> read_proc_file(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < max_proc_file_bytes) {
    text.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  if (got < 0) return std::nullopt;
  return text;
}

// The next space-separated field of `text` from `pos`, as an unsigned number.
std::optional<std::uint64_t> next_number(std::string_view text, std::size_t& pos) noexcept {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
  if (ec != std::errc{}) return std::nullopt;
  pos = static_cast<std::size_t>(end - text.data());
  return value;
}

// Skips one space-separated field (fields that may be negative or non-numeric).
void skip_field(std::string_view text, std::size_t& pos) noexcept {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  while (pos < text.size() && text[pos] != ' ') ++pos;
}

// Where field `field` of /proc/<pid>/stat goes, or nullptr for a field qgate skips.
std::uint64_t* field_target(proc_stat& stat, int field) noexcept {
  switch (field) {
    case 14:
      return &stat.utime_ticks;
    case 15:
      return &stat.stime_ticks;
    case 22:
      return &stat.start_ticks;
    case 23:
      return &stat.virtual_bytes;
    case 24:
      return &stat.resident_pages;
    default:
      return nullptr;
  }
}

std::uint64_t open_fd_count() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  const int own = ::dirfd(dir);
  std::uint64_t count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    int fd = -1;
    const std::string_view name{entry->d_name};
    std::from_chars(name.data(), name.data() + name.size(), fd);
    if (fd != own) ++count;  // the descriptor that reads the directory is not the process's
  }
  ::closedir(dir);
  return count;
}

void append_metric(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help, double value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  append_number(out, value);
  out += '\n';
}

}  // namespace

std::optional<proc_stat> parse_proc_stat(std::string_view text) noexcept {
  // Field 2 is "(comm)", and comm is whatever the process named itself: the fields resume after
  // the last ')'. Fields counted from 1 as in proc(5); `pos` stands before field 3.
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::size_t pos = close + 1;
  proc_stat stat;
  for (int field = 3; field <= 24; ++field) {
    std::uint64_t* target = field_target(stat, field);
    if (target == nullptr) {
      skip_field(text, pos);
      continue;
    }
    const auto value = next_number(text, pos);
    if (!value) return std::nullopt;
    *target = *value;
  }
  return stat;
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) noexcept {
  constexpr std::string_view key = "btime ";
  std::size_t line = 0;
  while (line < text.size()) {
    const std::size_t end = std::min(text.find('\n', line), text.size());
    const std::string_view current = text.substr(line, end - line);
    if (current.starts_with(key)) {
      std::size_t pos = key.size();
      return next_number(current, pos);
    }
    line = end + 1;
  }
  return std::nullopt;
}

std::optional<process_stats> read_process_stats() {
  const auto stat_text = read_proc_file("/proc/self/stat");
  const auto system_text = read_proc_file("/proc/stat");
  if (!stat_text || !system_text) return std::nullopt;
  const auto stat = parse_proc_stat(*stat_text);
  const auto boot = parse_boot_time(*system_text);
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (!stat || !boot || ticks <= 0 || page <= 0) return std::nullopt;
  process_stats stats;
  const auto per_second = static_cast<double>(ticks);
  stats.cpu_seconds = static_cast<double>(stat->utime_ticks + stat->stime_ticks) / per_second;
  stats.start_time_seconds =
      static_cast<double>(*boot) + static_cast<double>(stat->start_ticks) / per_second;
  stats.virtual_bytes = stat->virtual_bytes;
  stats.resident_bytes = stat->resident_pages * static_cast<std::uint64_t>(page);
  stats.open_fds = open_fd_count();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    stats.max_fds = limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                                    : static_cast<double>(limit.rlim_cur);
  }
  return stats;
}

void process_collector::collect(std::string& out) const {
  const auto stats = read_process_stats();
  if (!stats) return;
  append_metric(out, "process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.", stats->cpu_seconds);
  append_metric(out, "process_start_time_seconds", "gauge",
                "Start time of the process since unix epoch in seconds.",
                stats->start_time_seconds);
  append_metric(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                static_cast<double>(stats->virtual_bytes));
  append_metric(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                static_cast<double>(stats->resident_bytes));
  append_metric(out, "process_open_fds", "gauge", "Number of open file descriptors.",
                static_cast<double>(stats->open_fds));
  append_metric(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                stats->max_fds);
}

}  // namespace qgate::metrics
