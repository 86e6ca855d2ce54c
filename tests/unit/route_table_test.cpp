// The route table alone: every API path with its methods, 405 with the right Allow, the docs and
// 404 for the rest.
#include "http/route_table.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using qgate::http::match_route;
using qgate::http::route;
using qgate::http::route_count;
using qgate::http::route_name;

TEST(route_table, api_paths_take_their_methods) {
  EXPECT_EQ(match_route("POST", "/api/llm/chat").which, route::chat);
  EXPECT_EQ(match_route("GET", "/api/llm/models").which, route::models);
  EXPECT_EQ(match_route("HEAD", "/api/llm/models").which, route::models);
  EXPECT_EQ(match_route("GET", "/api/llm/usage").which, route::usage);
  EXPECT_EQ(match_route("GET", "/healthz").which, route::healthz);
}

TEST(route_table, other_methods_on_api_paths_are_405_with_allow) {
  const struct {
    const char* method;
    const char* path;
    const char* allow;
  } cases[] = {
      {"GET", "/api/llm/chat", "POST"},
      {"PUT", "/api/llm/chat", "POST"},
      {"HEAD", "/api/llm/chat", "POST"},
      {"POST", "/api/llm/models", "GET, HEAD"},
      {"DELETE", "/api/llm/models", "GET, HEAD"},
      {"POST", "/api/llm/usage", "GET"},
      {"HEAD", "/api/llm/usage", "GET"},
      {"POST", "/healthz", "GET"},
      {"HEAD", "/healthz", "GET"},
  };
  for (const auto& c : cases) {
    const auto match = match_route(c.method, c.path);
    EXPECT_EQ(match.which, route::method_not_allowed) << c.method << " " << c.path;
    EXPECT_EQ(match.allow, c.allow) << c.method << " " << c.path;
  }
}

TEST(route_table, options_is_a_preflight_anywhere) {
  EXPECT_EQ(match_route("OPTIONS", "/api/llm/chat").which, route::preflight);
  EXPECT_EQ(match_route("OPTIONS", "/nowhere").which, route::preflight);
}

TEST(route_table, get_elsewhere_is_for_the_docs_and_the_rest_is_404) {
  EXPECT_EQ(match_route("GET", "/docs").which, route::static_asset);
  EXPECT_EQ(match_route("HEAD", "/openapi.json").which, route::static_asset);
  EXPECT_EQ(match_route("GET", "/").which, route::static_asset);
  EXPECT_EQ(match_route("POST", "/docs").which, route::not_found);
  EXPECT_EQ(match_route("PATCH", "/nowhere").which, route::not_found);
  // Paths match exactly: no prefix, no trailing slash, no case folding, methods are case-sensitive.
  EXPECT_EQ(match_route("POST", "/api/llm/chat/").which, route::not_found);
  EXPECT_EQ(match_route("POST", "/api/llm/chatx").which, route::not_found);
  EXPECT_EQ(match_route("POST", "/API/LLM/CHAT").which, route::not_found);
  EXPECT_EQ(match_route("post", "/api/llm/chat").which, route::method_not_allowed);
  EXPECT_EQ(match_route("", "").which, route::not_found);
}

TEST(route_table, the_openai_door_under_v1) {
  EXPECT_EQ(match_route("POST", "/v1/chat/completions").which, route::openai_chat);
  EXPECT_EQ(match_route("GET", "/v1/models").which, route::openai_models);
  EXPECT_EQ(match_route("GET", "/v1/models/qwen-plus").which, route::openai_model);
  EXPECT_EQ(match_route("HEAD", "/v1/models/qwen-plus").which, route::openai_model);
  const auto wrong = match_route("GET", "/v1/chat/completions");
  EXPECT_EQ(wrong.which, route::method_not_allowed);
  EXPECT_EQ(wrong.allow, "POST");
  EXPECT_EQ(match_route("DELETE", "/v1/models/qwen-plus").allow, "GET, HEAD");
  // Everything else under /v1 is a 404 (in OpenAI's shape), never a docs asset.
  EXPECT_EQ(match_route("GET", "/v1/models/").which, route::not_found);
  EXPECT_EQ(match_route("GET", "/v1/models/a/b").which, route::not_found);
  EXPECT_EQ(match_route("GET", "/v1/embeddings").which, route::not_found);
  EXPECT_EQ(match_route("GET", "/v1").which, route::not_found);
  EXPECT_TRUE(qgate::http::is_openai_path("/v1/anything"));
  EXPECT_FALSE(qgate::http::is_openai_path("/v10/models"));
  EXPECT_FALSE(qgate::http::is_openai_path("/api/llm/chat"));
}

}  // namespace

namespace {

// Everything under /admin is the admin routes' (http/admin_request.hpp), any method, OPTIONS too:
// while the admin API is off every one of them is 404.
TEST(route_table, admin_paths_are_routed_whole) {
  for (const char* method : {"GET", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD"}) {
    for (const char* path : {"/admin", "/admin/", "/admin/tenants", "/admin/tenants/x/rotate-key",
                             "/admin/console", "/admin/nowhere"}) {
      EXPECT_EQ(match_route(method, path).which, route::admin) << method << " " << path;
    }
  }
  EXPECT_EQ(match_route("GET", "/administrator").which, route::static_asset);
  EXPECT_EQ(match_route("OPTIONS", "/adminx").which, route::preflight);
}

TEST(route_table, every_route_has_its_own_label) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < route_count; ++i) names.insert(route_name(static_cast<route>(i)));
  EXPECT_EQ(names.size(), route_count);
}

}  // namespace
