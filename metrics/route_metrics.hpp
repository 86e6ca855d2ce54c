// One HTTP route's series: its request counter by status, its duration and overhead histograms.
// The http layer resolves one per route at start-up (gateway_metrics::route) and keeps it.
#pragma once

#include "metrics/families.hpp"
#include "metrics/metric_refs.hpp"

#include <array>
#include <atomic>
#include <string>
#include <string_view>

namespace qgate::metrics {

class route_metrics {
 public:
  route_metrics(counter_family& requests, std::string_view route, histogram_ref duration,
                histogram_ref overhead);
  route_metrics(const route_metrics&) = delete;
  route_metrics& operator=(const route_metrics&) = delete;

  // qgate_http_requests_total{route,status}. Lock-free once this route has answered `status`
  // before; the first time resolves the series. A status outside 100..599 is labelled "other".
  [[nodiscard]] counter_ref requests(int status) {
    const std::size_t index = status >= 100 && status < 600 ? static_cast<std::size_t>(status) : 0;
    counter_cell* cell = by_status_[index].load(std::memory_order_acquire);
    return cell != nullptr ? counter_ref{*cell} : resolve(index);
  }

  const histogram_ref duration;  // qgate_http_request_duration_seconds{route}
  const histogram_ref overhead;  // qgate_overhead_seconds{route}

 private:
  counter_ref resolve(std::size_t index);

  counter_family& family_;
  const std::string route_;
  // Index: the status (0: other). The series is created on first use so that a scrape shows only
  // the statuses a route has answered.
  std::array<std::atomic<counter_cell*>, 600> by_status_{};
};

}  // namespace qgate::metrics
