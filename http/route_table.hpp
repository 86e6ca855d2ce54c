// The route table: method + path → which handler answers, or why none does (404 / 405 + Allow).
// Pure: no I/O, no Beast; the connection dispatches on its answer.
#pragma once

#include <string_view>

namespace qgate::http {

enum class route {
  preflight,     // OPTIONS on any path: CORS preflight
  chat,          // POST /api/llm/chat
  models,        // GET|HEAD /api/llm/models
  usage,         // GET /api/llm/usage
  healthz,       // GET /healthz
  static_asset,  // GET|HEAD on any other path: the docs (404 when there is no such asset)
  not_found,
  method_not_allowed,  // a known path with another method; `allow` lists the methods it takes
};

struct route_match {
  route which = route::not_found;
  std::string_view allow;  // set for method_not_allowed: the Allow header's value
};

// `method` as sent (upper case, RFC 9110), `path` without its query.
[[nodiscard]] route_match match_route(std::string_view method, std::string_view path) noexcept;

}  // namespace qgate::http
