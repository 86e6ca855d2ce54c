// Keeps a warning that may repeat thousands of times a second (a listener out of descriptors) to
// at most one line per interval, while every occurrence is still counted and reported. Pure: the
// caller passes the time.
#pragma once

#include <chrono>
#include <cstdint>
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

}  // namespace qgate::http
