// The declarations of qgate's metric families: names, help, labels and buckets.
#include "metrics/gateway_metrics.hpp"

#include "metrics/process_metrics.hpp"

namespace qgate::metrics {
namespace {

// Whole requests: milliseconds for the models list, minutes for a long stream.
constexpr double duration_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                       2.5,   5,    10,    30,   60,  120,  300};
// qgate's own share: tens of microseconds when nothing goes wrong.
constexpr double overhead_buckets[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                       0.005,   0.01,   0.025,   0.05,   0.1,   0.25};
// Time to first token: the model's queueing and prefill, up to a minute.
constexpr double ttft_buckets[] = {0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60};
// Gaps between chunks: milliseconds while decoding, seconds when the upstream stalls.
constexpr double inter_chunk_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                          0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

gateway_metrics::gateway_metrics(registry& target)
    : registry_(target),
      http_requests_(target.counter({"qgate_http_requests_total",
                                     "HTTP requests answered, by route and status.",
                                     {"route", "status"}})),
      http_duration_(target.histogram(
          {"qgate_http_request_duration_seconds",
           "Time from a request's arrival until its answer (a stream's last frames) "
           "goes to the socket, by route.",
           {"route"}},
          duration_buckets)),
      overhead_(target.histogram({"qgate_overhead_seconds",
                                  "Time a request spent in qgate itself (its duration minus the "
                                  "time spent waiting on the upstream), by route.",
                                  {"route"}},
                                 overhead_buckets)),
      upstream_calls_(
          target.counter({"qgate_upstream_calls_total",
                          "Upstream calls (a call's retries count once), by provider and outcome.",
                          {"provider", "outcome"}})),
      upstream_attempts_(target.counter({"qgate_upstream_attempts_total",
                                         "Upstream attempts (each try of a call), by provider.",
                                         {"provider"}})),
      ttft_(
          target.histogram({"qgate_ttft_seconds",
                            "Time from a request's arrival to its first streamed token, by model.",
                            {"model"}},
                           ttft_buckets)),
      inter_chunk_(target.histogram({"qgate_inter_chunk_seconds",
                                     "Gap between consecutive chunks of a stream, by model.",
                                     {"model"}},
                                    inter_chunk_buckets)),
      tokens_(target.counter({"qgate_tokens_total",
                              "Tokens billed, by tenant, model and direction (input or output).",
                              {"tenant", "model", "direction"}})),
      rate_limited_(target.counter({"qgate_rate_limited_total",
                                    "Requests refused by a limit, by tenant and limit kind.",
                                    {"tenant", "limit"}})),
      open_connections_(
          target.gauge({"qgate_open_connections", "Client connections open now.", {}}).with({})),
      open_streams_(
          target.gauge({"qgate_open_streams", "Streamed responses open now.", {}}).with({})),
      ledger_queue_depth_(target.callback(
          {"qgate_ledger_queue_depth", "Usage rows waiting in memory for the database.", {}},
          metric_type::gauge)),
      ledger_spilled_rows_(target.callback(
          {"qgate_ledger_spilled_rows", "Usage rows waiting in the spill file.", {}},
          metric_type::gauge)),
      ledger_failures_(target.callback(
          {"qgate_ledger_write_failures_total", "Failed batch writes of usage rows.", {}},
          metric_type::counter)),
      ledger_dropped_(target.callback({"qgate_ledger_dropped_rows_total",
                                       "Usage rows lost: neither the database nor the spill file "
                                       "took them.",
                                       {}},
                                      metric_type::counter)) {
  target.add(std::make_unique<process_collector>());
}

route_metrics& gateway_metrics::route(std::string_view name) {
  std::lock_guard lock{routes_mutex_};
  if (const auto found = routes_.find(name); found != routes_.end()) return *found->second;
  auto made = std::make_unique<route_metrics>(http_requests_, name, http_duration_.with({name}),
                                              overhead_.with({name}));
  return *routes_.emplace(std::string{name}, std::move(made)).first->second;
}

request_metrics gateway_metrics::request(std::string_view tenant, std::string_view model) {
  return {tokens_.with({tenant, model, "input"}), tokens_.with({tenant, model, "output"}),
          ttft_.with({model}), inter_chunk_.with({model})};
}

provider_metrics gateway_metrics::provider(std::string_view name) {
  provider_metrics resolved;
  for (std::size_t i = 0; i < upstream_outcome_count; ++i) {
    resolved.calls_by_outcome[i] =
        upstream_calls_.with({name, label(static_cast<upstream_outcome>(i))});
  }
  resolved.attempts = upstream_attempts_.with({name});
  return resolved;
}

counter_ref gateway_metrics::rate_limited(std::string_view tenant, limit_kind kind) {
  return rate_limited_.with({tenant, label(kind)});
}

gateway_metrics& gateway() {
  static registry process_registry;
  static gateway_metrics metrics{process_registry};
  return metrics;
}

}  // namespace qgate::metrics
