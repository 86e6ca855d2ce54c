// The admin API against the real gateway and mock upstream: off without a key, every auth case,
// every operation end to end and taking effect at once (the catalog's own reload is an hour
// away here), usage counted exactly, bad input named, hostile names read back.
#include "tests/integration/admin_client.hpp"

#include <gtest/gtest.h>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

gateway_options with_admin(std::map<std::string, std::string> env = {}) {
  gateway_options options;
  options.env = {{"QGATE_ADMIN_KEY", admin_key},
                 {"QGATE_ADMIN_CONSOLE_DIR", std::string(QGATE_SOURCE_DIR) + "/web/console"},
                 // Nothing but the admin API's own reload may make a change visible.
                 {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "3600000"}};
  for (auto& [key, value] : env) options.env[key] = value;
  return options;
}

class admin_api : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = std::make_unique<mock_upstream>(std::vector<std::string>{"--chunks", "2"});
    qgate_ = std::make_unique<gateway>(upstream_->base_url(), with_admin());
  }
  std::unique_ptr<mock_upstream> upstream_;
  std::unique_ptr<gateway> qgate_;
};

TEST(admin_api_off, every_admin_path_is_404_without_a_key) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/admin/tenants"},
                                                        {"POST", "/admin/tenants"},
                                                        {"GET", "/admin/console"},
                                                        {"GET", "/admin/console/console.js"},
                                                        {"OPTIONS", "/admin/tenants"},
                                                        {"GET", "/admin"},
                                                        {"DELETE", "/admin/usage"}}) {
    const auto r =
        http_request(method, qgate.url(path), {}, {"Authorization: Bearer " + admin_key});
    expect_error_envelope(r.status, r.body, 404, "NOT_FOUND", "资源不存在");
  }
}

TEST_F(admin_api, the_console_loads_without_a_key_and_keeps_to_itself) {
  const auto page = http_request("GET", qgate_->url("/admin/console"));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/admin/console/console.js"), std::string::npos);
  EXPECT_NE(page.headers.at("content-security-policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_EQ(http_request("GET", qgate_->url("/admin/console/console.js")).status, 200);
  EXPECT_EQ(http_request("GET", qgate_->url("/admin/console/console.css")).status, 200);
  EXPECT_EQ(http_request("GET", qgate_->url("/admin/console/nothing")).status, 404);
  const auto post = http_request("POST", qgate_->url("/admin/console"), "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("allow"), "GET, HEAD");
}

TEST_F(admin_api, only_the_admin_key_administers) {
  admin_client admin(*qgate_);
  const auto tenant_key = admin.create("team-a");
  ASSERT_FALSE(tenant_key.empty());
  const auto unauthorized = [](const http_response& r) {
    expect_error_envelope(r.status, r.body, 401, "UNAUTHORIZED", "未授权:API Key缺失或无效");
  };
  const auto url = qgate_->url("/admin/tenants");
  unauthorized(http_request("GET", url));
  unauthorized(admin_client(*qgate_, "wrong-key-0123456789").call("GET", "/admin/tenants"));
  unauthorized(admin_client(*qgate_, admin_key + "x").call("GET", "/admin/tenants"));
  unauthorized(http_request("GET", url, {}, {"Authorization: Basic " + admin_key}));
  unauthorized(http_request("GET", url, {}, {"X-API-Key: " + admin_key}));
  const auto forbidden = admin_client(*qgate_, tenant_key).call("GET", "/admin/tenants");
  expect_error_envelope(forbidden.status, forbidden.body, 403, "FORBIDDEN", "禁止访问:", true);
  // Who is asking comes first: bad input from anyone else says nothing about the input.
  unauthorized(admin_client(*qgate_, "").call("POST", "/admin/tenants", "{bad json"));
  EXPECT_EQ(admin_client(*qgate_, tenant_key).call("PATCH", "/admin/tenants/team-a", "[]").status,
            403);
  // A disabled tenant's key is nobody's.
  admin.data("PATCH", "/admin/tenants/team-a", R"({"enabled":false})");
  unauthorized(admin_client(*qgate_, tenant_key).call("GET", "/admin/tenants"));
  // The admin key is no tenant key.
  EXPECT_EQ(chat_status(*qgate_, admin_key), 401);
}

TEST_F(admin_api, every_change_takes_effect_at_once) {
  admin_client admin(*qgate_);
  const auto key = admin.create("team-b", R"("models":["qwen-turbo"],"rpm":0,"tpm":100000)");
  ASSERT_TRUE(key.starts_with("qg-")) << key;
  auto created = admin.data("GET", "/admin/tenants/team-b");
  EXPECT_EQ(std::string_view(created["key_prefix"]), key.substr(0, 10));
  EXPECT_EQ(int64_t(created["tpm"]), 100000);
  EXPECT_EQ(created["key"].error(), simdjson::NO_SUCH_FIELD) << "the key is shown once only";
  EXPECT_EQ(chat_status(*qgate_, key), 200) << "a new key works at once";
  EXPECT_EQ(chat_status(*qgate_, key, "qwen-plus"), 400) << "outside its models";

  admin.data("PATCH", "/admin/tenants/team-b", R"({"models":["qwen-turbo","qwen-plus"]})");
  EXPECT_EQ(chat_status(*qgate_, key, "qwen-plus"), 200);
  admin.data("PATCH", "/admin/tenants/team-b", R"({"enabled":false})");
  EXPECT_EQ(chat_status(*qgate_, key), 401) << "disabled at once";
  admin.data("PATCH", "/admin/tenants/team-b", R"({"enabled":true})");
  EXPECT_EQ(chat_status(*qgate_, key), 200);

  const auto limited = admin.data("PATCH", "/admin/tenants/team-b", R"({"rpm":1})");
  EXPECT_EQ(int64_t(limited["rpm"]), 1);
  EXPECT_EQ(int64_t(limited["tpm"]), 100000) << "fields not sent stay";
  EXPECT_EQ(chat_status(*qgate_, key), 200);
  EXPECT_EQ(chat_status(*qgate_, key), 429) << "one request per minute";
  admin.data("PATCH", "/admin/tenants/team-b", R"({"rpm":0})");
  EXPECT_EQ(chat_status(*qgate_, key), 200) << "unlimited again";

  const auto rotated = admin.data("POST", "/admin/tenants/team-b/rotate-key");
  const std::string new_key{std::string_view(rotated["key"])};
  EXPECT_NE(new_key, key);
  EXPECT_EQ(std::string_view(rotated["key_prefix"]), new_key.substr(0, 10));
  EXPECT_EQ(chat_status(*qgate_, key), 401) << "the old key stops at once";
  EXPECT_EQ(chat_status(*qgate_, new_key), 200);

  const auto list = admin.data("GET", "/admin/tenants");
  ASSERT_EQ(list.get_array().size(), 1u);
  EXPECT_EQ(std::string_view(list.at(0)["name"]), "team-b");
  EXPECT_EQ(list.at(0)["key"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(admin.last().headers.at("cache-control"), "no-store");
  EXPECT_EQ(admin.last().body.find(new_key), std::string::npos);
  EXPECT_EQ(admin.last().body.find("key_hash"), std::string::npos);
  // The admin actor (detached, with its own store) ends with the gateway: SIGTERM is a clean exit.
  EXPECT_EQ(qgate_->process->terminate(5s), 0) << qgate_->process->output();
  EXPECT_EQ(qgate_->process->output().find(new_key), std::string::npos) << "keys are never logged";
}

TEST_F(admin_api, duplicates_unknowns_and_methods) {
  admin_client admin(*qgate_);
  admin.create("team-c");
  const auto duplicate = admin.call("POST", "/admin/tenants", R"({"name":"team-c"})");
  expect_error_envelope(duplicate.status, duplicate.body, 409, "CONFLICT",
                        "资源冲突:a tenant named team-c already exists");
  for (const auto& [method, path, body] :
       std::vector<std::array<std::string, 3>>{{"GET", "/admin/tenants/ghost", ""},
                                               {"PATCH", "/admin/tenants/ghost", R"({"rpm":1})"},
                                               {"POST", "/admin/tenants/ghost/rotate-key", ""},
                                               {"GET", "/admin/nothing", ""}}) {
    const auto r = admin.call(method, path, body);
    expect_error_envelope(r.status, r.body, 404, "NOT_FOUND", "资源不存在");
  }
  for (const auto& [method, path, allow] :
       std::vector<std::array<std::string, 3>>{{"DELETE", "/admin/tenants", "GET, POST"},
                                               {"DELETE", "/admin/tenants/team-c", "GET, PATCH"},
                                               {"GET", "/admin/tenants/team-c/rotate-key", "POST"},
                                               {"POST", "/admin/usage", "GET"}}) {
    const auto r = admin.call(method, path);
    expect_error_envelope(r.status, r.body, 405, "METHOD_NOT_ALLOWED", "请求方法不被允许");
    EXPECT_EQ(r.headers.at("allow"), allow) << method << " " << path;
  }
}

TEST_F(admin_api, bad_input_names_the_field) {
  admin_client admin(*qgate_);
  admin.create("team-d");
  const auto refused = [&](const std::string& method, const std::string& path,
                           const std::string& body, std::string_view field) {
    const auto r = admin.call(method, path, body);
    expect_error_envelope(r.status, r.body, 400, "INVALID_PARAMS", "参数错误:" + std::string(field),
                          true);
  };
  refused("POST", "/admin/tenants", "{bad", "请求体不是有效的 JSON");
  refused("POST", "/admin/tenants", "[]", "请求体必须是 JSON 对象");
  refused("POST", "/admin/tenants", R"({"rpm":1})", "name 缺失");
  refused("POST", "/admin/tenants", R"({"name":"a\u0007b"})", "name ");
  refused("POST", "/admin/tenants", R"({"name":"x","rpm":-1})", "rpm ");
  refused("POST", "/admin/tenants", R"({"name":"x","tpm":"10"})", "tpm ");
  refused("POST", "/admin/tenants", R"({"name":"x","max_streams":2.5})", "max_streams ");
  refused("POST", "/admin/tenants", R"({"name":"x","models":"qwen-turbo"})", "models ");
  refused("POST", "/admin/tenants", R"({"name":"x","models":["a,b"]})", "models[0] ");
  refused("POST", "/admin/tenants", R"({"name":"x","colour":"blue"})", "未知字段 colour");
  refused("PATCH", "/admin/tenants/team-d", R"({"enabled":1})", "enabled ");
  refused("PATCH", "/admin/tenants/team-d", R"({})", "请求体至少需要");
  refused("GET", "/admin/tenants/%01", "", "name ");
  refused("GET", "/admin/usage?from=2026-13-01", "", "from ");
  refused("GET", "/admin/usage", "", "from ");
  refused("GET", "/admin/usage?from=2026-01-02&to=2026-01-01", "", "to ");
  const auto big =
      admin.call("POST", "/admin/tenants", R"({"name":")" + std::string(70 << 10, 'x') + "\"}");
  expect_error_envelope(big.status, big.body, 413, "PAYLOAD_TOO_LARGE", "请求体过大");
  EXPECT_EQ(admin.data("GET", "/admin/tenants").get_array().size(), 1u) << "nothing was made";
}

}  // namespace
}  // namespace qgate::testing
