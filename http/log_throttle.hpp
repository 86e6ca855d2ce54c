// Keeps a warning that may repeat thousands of times a second (a listener out of descriptors) to
// at most one line per interval, while every occurrence is still counted and reported. Pure: the
// caller passes the time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace qgate::http {

class log_throttle {
 public:
  using clock = std::chrono::steady_clock;

  struct report {
    std::uint64_t count;     // occurrences since the previous line
    clock::duration window;  // time since the previous line; zero for the first line
  };

  explicit log_throttle(clock::duration interval) : interval_(interval) {}

  // Counts `occurrences` (may be 0); returns what to log when a line is due now.
  [[nodiscard]] std::optional<report> note(clock::time_point now, std::uint64_t occurrences = 1);
  // A line for what was counted but not yet logged, when one is due now.
  [[nodiscard]] std::optional<report> flush(clock::time_point now);

 private:
  clock::duration interval_;
  std::optional<clock::time_point> last_line_;
  std::uint64_t pending_ = 0;
};

// One log_throttle for every listener of the process (a warning is the process's, whichever io
// thread sees it), behind a lock taken only while the warning's condition lasts.
class shared_log_throttle {
 public:
  explicit shared_log_throttle(log_throttle::clock::duration interval) : throttle_(interval) {}

  [[nodiscard]] std::optional<log_throttle::report> note(log_throttle::clock::time_point now,
                                                         std::uint64_t occurrences = 1) {
    const std::lock_guard lock(mutex_);
    pending_.store(true, std::memory_order_relaxed);
    return throttle_.note(now, occurrences);
  }
  // Cheap when nothing was noted since the last line: no lock on the common path.
  [[nodiscard]] std::optional<log_throttle::report> flush(log_throttle::clock::time_point now) {
    if (!pending_.load(std::memory_order_relaxed)) return std::nullopt;
    const std::lock_guard lock(mutex_);
    auto line = throttle_.flush(now);
    if (line) pending_.store(false, std::memory_order_relaxed);
    return line;
  }

 private:
  std::mutex mutex_;
  log_throttle throttle_;
  std::atomic<bool> pending_{false};
};

}  // namespace qgate::http
