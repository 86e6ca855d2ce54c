// The slow path of route_metrics: a status' series resolved once, then cached lock-free.
#include "metrics/route_metrics.hpp"

namespace qgate::metrics {

route_metrics::route_metrics(counter_family& requests, std::string_view route,
                             histogram_ref duration_ref, histogram_ref overhead_ref)
    : duration(duration_ref), overhead(overhead_ref), family_(requests), route_(route) {}

counter_ref route_metrics::resolve(std::size_t index) {
  const std::string status = index == 0 ? std::string{overflow_label} : std::to_string(index);
  const counter_ref ref = family_.with({route_, status});
  // Two threads may race here: both get the same series from the family, so either store wins.
  by_status_[index].store(&ref.cell(), std::memory_order_release);
  return ref;
}

}  // namespace qgate::metrics
