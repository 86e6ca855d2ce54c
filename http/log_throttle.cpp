#include "http/log_throttle.hpp"

namespace qgate::http {

std::optional<log_throttle::report> log_throttle::note(clock::time_point now,
                                                       std::uint64_t occurrences) {
  pending_ += occurrences;
  if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
  const report due{pending_, last_line_ ? now - *last_line_ : clock::duration::zero()};
  last_line_ = now;
  pending_ = 0;
  return due;
}

std::optional<log_throttle::report> log_throttle::flush(clock::time_point now) {
  if (pending_ == 0) return std::nullopt;
  return note(now, 0);
}

}  // namespace qgate::http
