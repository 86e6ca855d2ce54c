// The route table: method + path → which handler answers, or why none does (404 / 405 + Allow).
// Pure: no I/O, no Beast; the connection dispatches on its answer.
#pragma once

#include <string_view>

namespace qgate::http {

enum class route {
  preflight,      // OPTIONS on any path: CORS preflight
  chat,           // POST /api/llm/chat
  models,         // GET|HEAD /api/llm/models
  usage,          // GET /api/llm/usage
  healthz,        // GET /healthz
  openai_chat,    // POST /v1/chat/completions
  openai_models,  // GET|HEAD /v1/models
  openai_model,   // GET|HEAD /v1/models/{id}
  static_asset,   // GET|HEAD on any other path: the docs (404 when there is no such asset)
  not_found,
  method_not_allowed,  // a known path with another method; `allow` lists the methods it takes
};

struct route_match {
  route which = route::not_found;
  std::string_view allow;  // set for method_not_allowed: the Allow header's value
};

// `method` as sent (upper case, RFC 9110), `path` without its query.
[[nodiscard]] route_match match_route(std::string_view method, std::string_view path) noexcept;

// The OpenAI-compatible API lives under /v1: its answers, errors included, speak OpenAI's dialect.
[[nodiscard]] bool is_openai_path(std::string_view path) noexcept;
// The `{id}` of /v1/models/{id} (percent-decoding is not needed: model titles are plain).
inline constexpr std::string_view openai_model_prefix = "/v1/models/";

}  // namespace qgate::http
