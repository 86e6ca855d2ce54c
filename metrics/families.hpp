// The three kinds of labelled family: counters, gauges and histograms. with() resolves a label
// tuple to a handle (metric_refs.hpp); it locks and may allocate, so callers keep the handle.
#pragma once

#include "metrics/family.hpp"
#include "metrics/metric_refs.hpp"

#include <deque>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::metrics {

// Label values must come from fixed sets or from names the catalog knows (gateway_metrics.hpp).
class counter_family final : public family {
 public:
  explicit counter_family(family_spec spec);
  [[nodiscard]] counter_ref with(std::span<const std::string_view> values);
  [[nodiscard]] counter_ref with(std::initializer_list<std::string_view> values) {
    return with(std::span{values.begin(), values.size()});
  }
  void collect(std::string& out) const override;

 private:
  std::deque<counter_cell> cells_;  // by slot; a deque never moves what it holds
};

class gauge_family final : public family {
 public:
  explicit gauge_family(family_spec spec);
  [[nodiscard]] gauge_ref with(std::span<const std::string_view> values);
  [[nodiscard]] gauge_ref with(std::initializer_list<std::string_view> values) {
    return with(std::span{values.begin(), values.size()});
  }
  void collect(std::string& out) const override;

 private:
  std::deque<gauge_cell> cells_;
};

class histogram_family final : public family {
 public:
  // `bounds`: the finite upper bounds, ascending, at most max_buckets of them.
  histogram_family(family_spec spec, std::span<const double> bounds);
  [[nodiscard]] histogram_ref with(std::span<const std::string_view> values);
  [[nodiscard]] histogram_ref with(std::initializer_list<std::string_view> values) {
    return with(std::span{values.begin(), values.size()});
  }
  void collect(std::string& out) const override;

 private:
  bucket_bounds bounds_;
  std::vector<std::string> le_;  // each bound as its `le` label reads, "+Inf" last
  std::deque<histogram_cell> cells_;
};

}  // namespace qgate::metrics
