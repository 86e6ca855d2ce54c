#include "http/route_table.hpp"

#include <array>

namespace qgate::http {
namespace {

struct entry {
  std::string_view path;
  route which;
  std::string_view allow;  // the methods the path takes, as the Allow header lists them
};

constexpr std::array<entry, 8> api_routes{{
    {"/api/llm/chat", route::chat, "POST"},
    {"/api/llm/models", route::models, "GET, HEAD"},
    {"/api/llm/usage", route::usage, "GET"},
    {"/healthz", route::healthz, "GET"},
    {"/readyz", route::readyz, "GET"},
    {"/metrics", route::metrics, "GET"},
    {"/v1/chat/completions", route::openai_chat, "POST"},
    {"/v1/models", route::openai_models, "GET, HEAD"},
}};

// True when `method` is one of the comma-separated methods in `allow`.
bool allows(std::string_view allow, std::string_view method) {
  while (!allow.empty()) {
    const auto comma = allow.find(',');
    auto item = allow.substr(0, comma);
    if (item == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 1);
    while (allow.starts_with(' ')) allow.remove_prefix(1);
  }
  return false;
}

}  // namespace

route_match match_route(std::string_view method, std::string_view path) noexcept {
  // Before the preflight: while the admin API is off, nothing under /admin answers but 404.
  if (is_admin_path(path)) return {route::admin, {}};
  if (method == "OPTIONS") return {route::preflight, {}};
  for (const auto& e : api_routes) {
    if (path != e.path) continue;
    if (allows(e.allow, method)) return {e.which, {}};
    return {route::method_not_allowed, e.allow};
  }
  if (path.starts_with(openai_model_prefix) && path.size() > openai_model_prefix.size() &&
      path.find('/', openai_model_prefix.size()) == std::string_view::npos) {
    if (method == "GET" || method == "HEAD") return {route::openai_model, {}};
    return {route::method_not_allowed, "GET, HEAD"};
  }
  if (is_openai_path(path)) return {route::not_found, {}};
  if (method == "GET" || method == "HEAD") return {route::static_asset, {}};
  return {route::not_found, {}};
}

std::string_view route_name(route which) noexcept {
  switch (which) {
    case route::preflight:
      return "preflight";
    case route::chat:
      return "chat";
    case route::models:
      return "models";
    case route::usage:
      return "usage";
    case route::healthz:
      return "healthz";
    case route::readyz:
      return "readyz";
    case route::metrics:
      return "metrics";
    case route::openai_chat:
      return "openai_chat";
    case route::openai_models:
      return "openai_models";
    case route::openai_model:
      return "openai_model";
    case route::admin:
      return "admin";
    case route::static_asset:
      return "static";
    case route::not_found:
      return "not_found";
    case route::method_not_allowed:
      return "method_not_allowed";
  }
  return "not_found";
}

bool is_admin_path(std::string_view path) noexcept {
  return path == "/admin" || path.starts_with("/admin/");
}

bool is_openai_path(std::string_view path) noexcept {
  return path == "/v1" || path.starts_with("/v1/");
}

}  // namespace qgate::http
