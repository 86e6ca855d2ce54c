// The route table: method + path → which handler answers, or why none does (404 / 405 + Allow).
// Pure: no I/O, no Beast; the connection dispatches on its answer.
#pragma once

#include <cstddef>
#include <string_view>

namespace qgate::http {

enum class route {
  preflight,      // OPTIONS on any path: CORS preflight
  chat,           // POST /api/llm/chat
  models,         // GET|HEAD /api/llm/models
  usage,          // GET /api/llm/usage
  healthz,        // GET /healthz: alive
  readyz,         // GET /readyz: ready for traffic (the stores answer, not shutting down)
  metrics,        // GET /metrics: Prometheus exposition
  openai_chat,    // POST /v1/chat/completions
  openai_models,  // GET|HEAD /v1/models
  openai_model,   // GET|HEAD /v1/models/{id}
  admin,          // any method on /admin and below: the admin API and console (404 while off)
  static_asset,   // GET|HEAD on any other path: the docs (404 when there is no such asset)
  not_found,
  method_not_allowed,  // a known path with another method; `allow` lists the methods it takes
};
inline constexpr std::size_t route_count = static_cast<std::size_t>(route::method_not_allowed) + 1;

// The route's name as a metric label (qgate_http_requests_total{route}): a fixed set.
[[nodiscard]] std::string_view route_name(route which) noexcept;

struct route_match {
  route which = route::not_found;
  std::string_view allow;  // set for method_not_allowed: the Allow header's value
};

// `method` as sent (upper case, RFC 9110), `path` without its query.
[[nodiscard]] route_match match_route(std::string_view method, std::string_view path) noexcept;

// The admin API and its console live under /admin: their own routes (http/admin_request.hpp).
[[nodiscard]] bool is_admin_path(std::string_view path) noexcept;

// The OpenAI-compatible API lives under /v1: its answers, errors included, speak OpenAI's dialect.
[[nodiscard]] bool is_openai_path(std::string_view path) noexcept;
// The `{id}` of /v1/models/{id} (percent-decoding is not needed: model titles are plain).
inline constexpr std::string_view openai_model_prefix = "/v1/models/";

}  // namespace qgate::http
