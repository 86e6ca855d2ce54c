// Every metric qgate exports, declared in one place, and the handles its call sites keep.
// Resolving a handle (route, request, provider, rate_limited) takes a lock and a map lookup: do it
// at start-up, or once per request; counting through the handle is one relaxed atomic add.
// Label values follow gateway_labels.hpp: fixed enums and catalog names, never client strings.
#pragma once

#include "metrics/callback_family.hpp"
#include "metrics/families.hpp"
#include "metrics/gateway_labels.hpp"
#include "metrics/metric_refs.hpp"
#include "metrics/registry.hpp"
#include "metrics/route_metrics.hpp"

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace qgate::metrics {

// What one chat request counts for its (tenant, model). The session resolves it once the catalog
// has answered (again for a fallback to another model) and keeps it for the request's life.
struct request_metrics {
  counter_ref input_tokens;   // qgate_tokens_total{tenant,model,direction="input"}
  counter_ref output_tokens;  // qgate_tokens_total{tenant,model,direction="output"}
  histogram_ref ttft;         // qgate_ttft_seconds{model}
  histogram_ref inter_chunk;  // qgate_inter_chunk_seconds{model}
};

// One provider's series; resolved once per provider (they are fixed at start-up).
struct provider_metrics {
  std::array<counter_ref, upstream_outcome_count> calls_by_outcome;  // by upstream_outcome
  counter_ref attempts;  // qgate_upstream_attempts_total{provider}: every try, retries included

  // qgate_upstream_calls_total{provider,outcome}
  [[nodiscard]] counter_ref calls(upstream_outcome outcome) const noexcept {
    return calls_by_outcome[static_cast<std::size_t>(outcome)];
  }
};

class gateway_metrics {
 public:
  // Declares every family (and the process metrics) in `target`, which outlives this.
  explicit gateway_metrics(registry& target);
  gateway_metrics(const gateway_metrics&) = delete;
  gateway_metrics& operator=(const gateway_metrics&) = delete;

  // `name`: the route's own name (from http::route). The reference lives as long as this object.
  [[nodiscard]] route_metrics& route(std::string_view name);
  // `tenant` and `model` as the catalog spells them (gateway_labels.hpp).
  [[nodiscard]] request_metrics request(std::string_view tenant, std::string_view model);
  // `name`: the provider's kind or configured name (a fixed set from the configuration).
  [[nodiscard]] provider_metrics provider(std::string_view name);
  // qgate_rate_limited_total{tenant,limit}; the limiter may keep one per tenant and kind.
  [[nodiscard]] counter_ref rate_limited(std::string_view tenant, limit_kind kind);

  // Counted directly (gauge_scope holds one for a connection's or a stream's lifetime).
  [[nodiscard]] gauge_ref open_connections() const noexcept { return open_connections_; }
  [[nodiscard]] gauge_ref open_streams() const noexcept { return open_streams_; }

  // Read at scrape time from the ledger's own atomics (actors::ledger_counters): bind once.
  [[nodiscard]] callback_family& ledger_queue_depth() noexcept { return ledger_queue_depth_; }
  [[nodiscard]] callback_family& ledger_spilled_rows() noexcept { return ledger_spilled_rows_; }
  [[nodiscard]] callback_family& ledger_write_failures() noexcept { return ledger_failures_; }
  [[nodiscard]] callback_family& ledger_dropped_rows() noexcept { return ledger_dropped_; }

  // The exposition for GET /metrics (served with metrics::content_type).
  [[nodiscard]] std::string render() const { return registry_.render(); }

 private:
  registry& registry_;
  counter_family& http_requests_;
  histogram_family& http_duration_;
  histogram_family& overhead_;
  counter_family& upstream_calls_;
  counter_family& upstream_attempts_;
  histogram_family& ttft_;
  histogram_family& inter_chunk_;
  counter_family& tokens_;
  counter_family& rate_limited_;
  gauge_ref open_connections_;
  gauge_ref open_streams_;
  callback_family& ledger_queue_depth_;
  callback_family& ledger_spilled_rows_;
  callback_family& ledger_failures_;
  callback_family& ledger_dropped_;

  std::mutex routes_mutex_;
  std::map<std::string, std::unique_ptr<route_metrics>, std::less<>> routes_;
};

// The process's metrics, on a registry of its own, built on first use (thread-safe).
[[nodiscard]] gateway_metrics& gateway();

}  // namespace qgate::metrics
