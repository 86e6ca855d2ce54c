// Bucket layout: index i < sub_buckets holds exactly the value i; above that, the bucket of v is
// found from its highest set bit, keeping sub_bucket_bits significant bits of v.
#include "tools/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace qgate::loadgen {
namespace {

constexpr std::int64_t half = histogram::sub_buckets / 2;
// 63 bits of range: (63 - sub_bucket_bits + 1) exponents of half buckets each, plus the first.
constexpr std::size_t bucket_count =
    static_cast<std::size_t>(histogram::sub_buckets + (64 - histogram::sub_bucket_bits) * half);

}  // namespace

histogram::histogram() : counts_(bucket_count, 0) {}

std::size_t histogram::index_of(std::int64_t value) {
  if (value < sub_buckets) return static_cast<std::size_t>(value);
  const auto v = static_cast<std::uint64_t>(value);
  const int shift = std::bit_width(v) - sub_bucket_bits;   // >= 1 here
  const auto top = static_cast<std::int64_t>(v >> shift);  // in [half, sub_buckets)
  return static_cast<std::size_t>(sub_buckets + (shift - 1) * half + (top - half));
}

std::int64_t histogram::upper_bound_of(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  if (i < sub_buckets) return i;
  const std::int64_t shift = (i - sub_buckets) / half + 1;
  const std::int64_t top = (i - sub_buckets) % half + half;
  // Unsigned: the top bucket's bound is 2^63 - 1, whose +1 does not fit a signed value.
  const auto bound = (static_cast<std::uint64_t>(top + 1) << shift) - 1;
  return static_cast<std::int64_t>(std::min<std::uint64_t>(bound, INT64_MAX));
}

void histogram::record(std::int64_t value) {
  value = std::max<std::int64_t>(value, 0);
  ++counts_[index_of(value)];
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  ++count_;
  sum_ += static_cast<long double>(value);
}

void histogram::merge(const histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::int64_t histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 100.0);
  // The epsilon keeps 99.9% of 1000 at rank 999: 0.999 * 1000 is 999.0000000000001 in doubles.
  auto rank = static_cast<std::uint64_t>(std::ceil(q / 100.0 * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(upper_bound_of(i), min_, max_);
  }
  return max_;
}

}  // namespace qgate::loadgen
