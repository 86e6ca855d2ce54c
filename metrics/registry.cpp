// The registry: declaration under a lock, rendering collector by collector.
#include "metrics/registry.hpp"

#include <cassert>

namespace qgate::metrics {

template <class Family, class... Args>
Family& registry::declare(family_spec spec, Args&&... args) {
  auto owned = std::make_unique<Family>(std::move(spec), std::forward<Args>(args)...);
  Family& declared = *owned;
  std::lock_guard lock{mutex_};
  [[maybe_unused]] const bool unique = names_.insert(declared.name()).second;
  assert(unique);
  collectors_.push_back(std::move(owned));
  return declared;
}

counter_family& registry::counter(family_spec spec) {
  return declare<counter_family>(std::move(spec));
}

gauge_family& registry::gauge(family_spec spec) { return declare<gauge_family>(std::move(spec)); }

histogram_family& registry::histogram(family_spec spec, std::span<const double> bounds) {
  return declare<histogram_family>(std::move(spec), bounds);
}

callback_family& registry::callback(family_spec spec, metric_type type) {
  return declare<callback_family>(std::move(spec), type);
}

collector& registry::add(std::unique_ptr<collector> source) {
  collector& added = *source;
  std::lock_guard lock{mutex_};
  collectors_.push_back(std::move(source));
  return added;
}

std::string registry::render() const {
  std::string out;
  out.reserve(last_size_.load(std::memory_order_relaxed) + 1024);
  std::lock_guard lock{mutex_};
  for (const auto& source : collectors_) source->collect(out);
  last_size_.store(out.size(), std::memory_order_relaxed);
  return out;
}

}  // namespace qgate::metrics
