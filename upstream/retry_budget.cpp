#include "upstream/retry_budget.hpp"

#include <algorithm>
#include <cmath>

namespace qgate::upstream {
namespace {

constexpr std::int64_t unit = 1000;  // one retry, in thousandths

}  // namespace

retry_budget::retry_budget(double ratio, int reserve)
    : earn_(static_cast<std::int64_t>(std::llround(std::max(0.0, ratio) * unit))),
      // What a busy gateway may bank: the reserve, or a second's worth of earnings at 1,000
      // calls a second, whichever is more — a burst of failures cannot drain more than that.
      cap_(std::max<std::int64_t>(std::int64_t{reserve} * unit, earn_ * 1000)),
      balance_(std::int64_t{reserve} * unit) {}

void retry_budget::on_call() noexcept {
  auto balance = balance_.load(std::memory_order_relaxed);
  while (balance < cap_ && !balance_.compare_exchange_weak(balance, std::min(cap_, balance + earn_),
                                                           std::memory_order_relaxed)) {
  }
}

bool retry_budget::try_spend() noexcept {
  auto balance = balance_.load(std::memory_order_relaxed);
  while (balance >= unit) {
    if (balance_.compare_exchange_weak(balance, balance - unit, std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

double retry_budget::balance() const noexcept {
  return static_cast<double>(balance_.load(std::memory_order_relaxed)) / unit;
}

}  // namespace qgate::upstream
