// The label values qgate's metrics may carry. Fixed sets are enums here; tenant and model are
// names the catalog knows, and route and provider names come from the gateway's own enums
// (http::route, upstream::provider_kind): nothing a client sends becomes a label value.
#pragma once

#include <cstddef>
#include <string_view>

namespace qgate::metrics {

// The value for a model the catalog does not know (or not yet: a name from the request that a
// call site must label before the lookup has answered).
inline constexpr std::string_view unknown_model = "other";
// The value for a request without a tenant: open mode, or rejected before authentication.
inline constexpr std::string_view no_tenant = "anonymous";

// The rule at every call site that has a tenant or model name: pass the catalog's own string
// (tenant_info::name, the model the catalog lookup returned). When a call site holds only the
// client's string, it labels with known_or(name, catalog_knows_it, unknown_model).
[[nodiscard]] constexpr std::string_view known_or(std::string_view name, bool known,
                                                  std::string_view fallback) noexcept {
  return known ? name : fallback;
}

// Which limit refused a request (qgate_rate_limited_total{limit}).
enum class limit_kind { rpm, tpm, streams, model };
inline constexpr std::size_t limit_kind_count = 4;

// How one upstream call ended (qgate_upstream_calls_total{outcome}). A call is the whole exchange
// with one provider for one request, retries included; each try is an attempt.
enum class upstream_outcome {
  ok,            // 2xx, and the body or stream completed
  rate_limited,  // 429
  client_error,  // another 4xx (a rejected key, a request the upstream refused)
  server_error,  // 5xx, or a response qgate could not decode
  timeout,       // connect, first-byte, idle or total timeout
  network,       // connect failure, reset, TLS error
  cancelled,     // the client went away first
};
inline constexpr std::size_t upstream_outcome_count = 7;

[[nodiscard]] constexpr std::string_view label(limit_kind kind) noexcept {
  switch (kind) {
    case limit_kind::rpm:
      return "rpm";
    case limit_kind::tpm:
      return "tpm";
    case limit_kind::streams:
      return "streams";
    case limit_kind::model:
      return "model";
  }
  return "other";
}

[[nodiscard]] constexpr std::string_view label(upstream_outcome outcome) noexcept {
  switch (outcome) {
    case upstream_outcome::ok:
      return "ok";
    case upstream_outcome::rate_limited:
      return "rate_limited";
    case upstream_outcome::client_error:
      return "client_error";
    case upstream_outcome::server_error:
      return "server_error";
    case upstream_outcome::timeout:
      return "timeout";
    case upstream_outcome::network:
      return "network";
    case upstream_outcome::cancelled:
      return "cancelled";
  }
  return "other";
}

// The outcome an HTTP status gives; timeouts, network failures and cancellation are the call
// site's to tell (upstream::transfer_failure).
[[nodiscard]] constexpr upstream_outcome outcome_for_status(long http_status) noexcept {
  if (http_status >= 200 && http_status < 300) return upstream_outcome::ok;
  if (http_status == 429) return upstream_outcome::rate_limited;
  if (http_status >= 400 && http_status < 500) return upstream_outcome::client_error;
  return upstream_outcome::server_error;
}

}  // namespace qgate::metrics
