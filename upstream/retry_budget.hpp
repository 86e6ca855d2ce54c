// How many retries the whole gateway may make, so a failing upstream never meets a retry storm.
#pragma once

#include <atomic>
#include <cstdint>

namespace qgate::upstream {

// Every call earns `ratio` of a retry, a retry
// spends one, and `reserve` retries are always there for a quiet gateway (Finagle's retry budget,
// as a bucket). A failing upstream then gets at most ratio × calls + reserve extra attempts, never
// a retry storm. Lock-free: one atomic counter in thousandths of a retry.
class retry_budget {
 public:
  retry_budget(double ratio, int reserve);
  void on_call() noexcept;
  [[nodiscard]] bool try_spend() noexcept;
  [[nodiscard]] double balance() const noexcept;

 private:
  std::int64_t earn_;  // per call, thousandths
  std::int64_t cap_;
  std::atomic<std::int64_t> balance_;
};

}  // namespace qgate::upstream
