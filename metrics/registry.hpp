// The families one process exports, in declaration order, and the rendering of all of them.
// Declaring takes a lock (start-up); updates never touch the registry.
#pragma once

#include "metrics/callback_family.hpp"
#include "metrics/collector.hpp"
#include "metrics/families.hpp"

#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace qgate::metrics {

class registry {
 public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Each returns a family that lives as long as the registry. Names are unique (asserted).
  counter_family& counter(family_spec spec);
  gauge_family& gauge(family_spec spec);
  histogram_family& histogram(family_spec spec, std::span<const double> bounds);
  histogram_family& histogram(family_spec spec, std::initializer_list<double> bounds) {
    return histogram(std::move(spec), std::span{bounds.begin(), bounds.size()});
  }
  callback_family& callback(family_spec spec, metric_type type);
  // Any other collector (process metrics); its names are its own business.
  collector& add(std::unique_ptr<collector> source);

  // The whole exposition, families in declaration order, series sorted by label text: the same
  // state always gives the same bytes.
  [[nodiscard]] std::string render() const;

 private:
  template <class Family, class... Args>
  Family& declare(family_spec spec, Args&&... args);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<collector>> collectors_;
  std::set<std::string, std::less<>> names_;
  mutable std::atomic<std::size_t> last_size_{0};  // the previous render's size, to reserve
};

}  // namespace qgate::metrics
