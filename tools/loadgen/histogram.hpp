// A log-linear latency histogram (HDR-style): fixed memory whatever the run length, mergeable
// across threads, and at most 1/sub_buckets relative error on any reported percentile.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace qgate::loadgen {

class histogram {
 public:
  // Values below sub_buckets are exact; above, each power of two is cut into sub_buckets/2 slices.
  static constexpr int sub_bucket_bits = 8;
  static constexpr std::int64_t sub_buckets = std::int64_t{1} << sub_bucket_bits;

  histogram();

  // Records one value (nanoseconds by convention); negative values count as 0.
  void record(std::int64_t value);
  void merge(const histogram& other);

  [[nodiscard]] std::uint64_t count() const { return count_; }
  [[nodiscard]] std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  [[nodiscard]] std::int64_t max() const { return max_; }
  [[nodiscard]] double mean() const;
  // Nearest-rank percentile, q in [0, 100]: the smallest recorded bucket whose cumulative count
  // reaches ceil(q/100 * count), reported as that bucket's upper bound clamped to [min, max].
  [[nodiscard]] std::int64_t percentile(double q) const;

 private:
  [[nodiscard]] static std::size_t index_of(std::int64_t value);
  [[nodiscard]] static std::int64_t upper_bound_of(std::size_t index);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace qgate::loadgen
