// The hot path: handles to one series' atomics, resolved once (a family's with(), or the bundles
// of gateway_metrics) and kept by the caller. An update is a relaxed atomic add on the series' own
// cache line: no lock, no allocation, no lookup. Handles are a pointer wide; copy them freely.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace qgate::metrics {

// Each series has a cache line of its own: cores counting different series never share one.
inline constexpr std::size_t cache_line = 64;

struct alignas(cache_line) counter_cell {
  std::atomic<std::uint64_t> value{0};
};

struct alignas(cache_line) gauge_cell {
  std::atomic<std::int64_t> value{0};
};

// A histogram's finite upper bounds (ascending); the +Inf bucket is implicit.
inline constexpr std::size_t max_buckets = 24;
struct bucket_bounds {
  std::array<double, max_buckets> upper{};
  std::size_t size = 0;
};

struct alignas(cache_line) histogram_cell {
  constexpr explicit histogram_cell(const bucket_bounds& b) noexcept : bounds(&b) {}
  const bucket_bounds* bounds;
  std::atomic<double> sum{0.0};
  // counts[i]: observations in (upper[i-1], upper[i]]; counts[size]: those above every bound. Not
  // cumulative, so an observation is one add; the scrape accumulates (and derives _count).
  std::array<std::atomic<std::uint64_t>, max_buckets + 1> counts{};
};

namespace detail {
// Where a default-constructed handle counts: safe to use before wiring, read by nobody.
inline counter_cell discarded_counter;
inline gauge_cell discarded_gauge;
inline constexpr bucket_bounds no_bounds{};
inline histogram_cell discarded_histogram{no_bounds};
}  // namespace detail

class counter_ref {
 public:
  counter_ref() noexcept = default;
  explicit counter_ref(counter_cell& cell) noexcept : cell_(&cell) {}

  void inc(std::uint64_t n = 1) const noexcept {
    cell_->value.fetch_add(n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t value() const noexcept {
    return cell_->value.load(std::memory_order_relaxed);
  }
  // For caches of handles (route_metrics keeps the cells it has resolved).
  [[nodiscard]] counter_cell& cell() const noexcept { return *cell_; }

 private:
  counter_cell* cell_ = &detail::discarded_counter;
};

class gauge_ref {
 public:
  gauge_ref() noexcept = default;
  explicit gauge_ref(gauge_cell& cell) noexcept : cell_(&cell) {}

  void add(std::int64_t n) const noexcept { cell_->value.fetch_add(n, std::memory_order_relaxed); }
  void inc() const noexcept { add(1); }
  void dec() const noexcept { add(-1); }
  void set(std::int64_t v) const noexcept { cell_->value.store(v, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t value() const noexcept {
    return cell_->value.load(std::memory_order_relaxed);
  }

 private:
  gauge_cell* cell_ = &detail::discarded_gauge;
};

// Holds one unit of a gauge for its lifetime (an open connection, an open stream): inc() now,
// dec() when destroyed, so no exit path forgets the decrement.
class gauge_scope {
 public:
  gauge_scope() noexcept = default;
  explicit gauge_scope(gauge_ref gauge) noexcept : gauge_(gauge), held_(true) { gauge_.inc(); }
  gauge_scope(gauge_scope&& other) noexcept : gauge_(other.gauge_), held_(other.held_) {
    other.held_ = false;
  }
  gauge_scope& operator=(gauge_scope&& other) noexcept {
    if (this != &other) {
      reset();
      gauge_ = other.gauge_;
      held_ = other.held_;
      other.held_ = false;
    }
    return *this;
  }
  gauge_scope(const gauge_scope&) = delete;
  gauge_scope& operator=(const gauge_scope&) = delete;
  ~gauge_scope() { reset(); }

  void reset() noexcept {
    if (held_) gauge_.dec();
    held_ = false;
  }

 private:
  gauge_ref gauge_;
  bool held_ = false;
};

class histogram_ref {
 public:
  histogram_ref() noexcept = default;
  explicit histogram_ref(histogram_cell& cell) noexcept : cell_(&cell) {}

  // NaN is dropped: it would poison _sum for the life of the process.
  void observe(double value) const noexcept {
    if (std::isnan(value)) return;
    const bucket_bounds& bounds = *cell_->bounds;
    std::size_t i = 0;  // a linear scan: a dozen doubles in one or two cache lines
    while (i < bounds.size && value > bounds.upper[i]) ++i;
    cell_->counts[i].fetch_add(1, std::memory_order_relaxed);
    cell_->sum.fetch_add(value, std::memory_order_relaxed);
  }
  // A duration, in seconds (every qgate histogram is in seconds).
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> elapsed) const noexcept {
    observe(std::chrono::duration<double>(elapsed).count());
  }

  // For tests and health pages: the scrape reads the buckets itself.
  [[nodiscard]] std::uint64_t count() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= cell_->bounds->size; ++i) {
      total += cell_->counts[i].load(std::memory_order_relaxed);
    }
    return total;
  }
  [[nodiscard]] double sum() const noexcept { return cell_->sum.load(std::memory_order_relaxed); }

 private:
  histogram_cell* cell_ = &detail::discarded_histogram;
};

}  // namespace qgate::metrics
