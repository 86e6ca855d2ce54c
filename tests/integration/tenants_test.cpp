// Tenants end to end: the admin commands, keys, allow-lists, limits, the ledger, open mode.
#include "catalog/model_store.hpp"
#include "catalog/tenant_store.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <unistd.h>

#include <fstream>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

// Runs `qgate tenant ...` against the gateway's database; returns stdout+stderr and the exit code.
std::pair<std::string, int> admin(const gateway& qgate, std::vector<std::string> args) {
  args.insert(args.begin(), "tenant");
  child_process command(qgate_binary, args,
                        {{"QGATE_CATALOG_PATH", (qgate.directory / "catalog.db").string()}});
  const int code = command.wait(30s);
  return {command.output(), code};
}

// The key a command printed (stdout carries only the key; stderr the reminder to store it).
std::string key_in(const std::string& output) {
  const auto at = output.find("qg-");
  return at == std::string::npos ? std::string() : output.substr(at, output.find('\n', at) - at);
}

std::string new_tenant(const gateway& qgate, std::vector<std::string> flags) {
  flags.insert(flags.begin(), "add");
  auto [output, code] = admin(qgate, flags);
  EXPECT_EQ(code, 0) << output;
  return key_in(output);
}

std::string chat(std::string_view prompt, bool stream = false,
                 std::string_view model = "qwen-turbo") {
  return chat_body(model, prompt, stream);
}

http_response post(const gateway& qgate, const std::string& body, const std::string& auth_header) {
  return http_request("POST", qgate.url("/api/llm/chat"), body,
                      {"Content-Type: application/json", auth_header});
}

class tenants : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_ = std::make_unique<mock_upstream>(std::vector<std::string>{"--chunks", "4"});
    gateway_options options;
    options.env["QGATE_LIMITS_LEDGER_FLUSH_MS"] = "50";
    options.env["QGATE_CATALOG_RELOAD_INTERVAL_MS"] = "200";
    qgate_ = std::make_unique<gateway>(upstream_->base_url(), options);
  }
  // Waits until the gateway sees what the admin command changed (it reloads every 200 ms): the key
  // works and, tenants existing, a wrong one does not.
  bool gateway_accepts(const std::string& key) {
    const auto status = [&](const std::string& k) {
      return http_request("GET", qgate_->url("/api/llm/models"), {}, {"X-API-Key: " + k}).status;
    };
    return eventually([&] { return status(key) == 200 && status("qg-wrong") == 401; }, 2500ms);
  }
  std::unique_ptr<mock_upstream> upstream_;
  std::unique_ptr<gateway> qgate_;
};

TEST_F(tenants, every_unauthorized_case_is_401) {
  const auto key = new_tenant(*qgate_, {"team-a"});
  EXPECT_TRUE(key.starts_with("qg-")) << key;
  ASSERT_TRUE(gateway_accepts(key));
  const auto unauthorized = [&](const http_response& r) {
    expect_error_envelope(r.status, r.body, 401, "UNAUTHORIZED", "未授权:API Key缺失或无效");
  };
  unauthorized(post(*qgate_, chat("x"), "X-Other: none"));
  unauthorized(post(*qgate_, chat("x"), "Authorization: Bearer qg-not-a-key"));
  unauthorized(post(*qgate_, chat("x"), "Authorization: Basic " + key));
  unauthorized(http_request("GET", qgate_->url("/api/llm/models")));
  EXPECT_EQ(post(*qgate_, chat("x"), "Authorization: Bearer " + key).status, 200);
  EXPECT_EQ(post(*qgate_, chat("x"), "X-API-Key: " + key).status, 200);

  EXPECT_EQ(admin(*qgate_, {"disable", "team-a"}).second, 0);
  EXPECT_TRUE(eventually(
      [&] { return post(*qgate_, chat("x"), "X-API-Key: " + key).status == 401; }, 2500ms));
  EXPECT_EQ(admin(*qgate_, {"enable", "team-a"}).second, 0);
  ASSERT_TRUE(gateway_accepts(key));
  auto [rotated, code] = admin(*qgate_, {"rotate-key", "team-a"});
  ASSERT_EQ(code, 0);
  const auto new_key = key_in(rotated);
  ASSERT_TRUE(gateway_accepts(new_key));
  EXPECT_EQ(post(*qgate_, chat("x"), "X-API-Key: " + key).status, 401) << "the old key is gone";
}

TEST_F(tenants, allow_list_limits_models) {
  const auto key = new_tenant(*qgate_, {"team-b", "--models", "qwen-plus"});
  ASSERT_TRUE(gateway_accepts(key));
  const auto listed =
      http_request("GET", qgate_->url("/api/llm/models"), {}, {"X-API-Key: " + key});
  EXPECT_NE(listed.body.find("qwen-plus"), std::string::npos);
  EXPECT_EQ(listed.body.find("qwen-turbo"), std::string::npos);
  const auto refused = post(*qgate_, chat("x", false, "qwen-turbo"), "X-API-Key: " + key);
  expect_error_envelope(refused.status, refused.body, 400, "INVALID_MODEL",
                        "无效的模型名称或模型类型不匹配");
  EXPECT_EQ(post(*qgate_, chat("x", false, "qwen-plus"), "X-API-Key: " + key).status, 200);
}

TEST_F(tenants, over_the_limit_is_429_with_headers) {
  const auto key = new_tenant(*qgate_, {"team-c", "--rpm", "2", "--tpm", "100000"});
  ASSERT_TRUE(gateway_accepts(key));
  const auto first = post(*qgate_, chat("a"), "X-API-Key: " + key);
  EXPECT_EQ(first.headers.at("x-ratelimit-limit-requests"), "2");
  EXPECT_EQ(first.headers.at("x-ratelimit-remaining-requests"), "1");
  EXPECT_EQ(first.headers.at("x-ratelimit-limit-tokens"), "100000");
  EXPECT_TRUE(first.headers.count("x-ratelimit-remaining-tokens"));
  EXPECT_EQ(post(*qgate_, chat("b", true), "X-API-Key: " + key)
                .headers.at("x-ratelimit-remaining-requests"),
            "0");
  const auto limited = post(*qgate_, chat("c"), "X-API-Key: " + key);
  expect_error_envelope(limited.status, limited.body, 429, "RATE_LIMITED", "请求频率超限");
  EXPECT_EQ(limited.headers.at("retry-after"), "30");  // 2 per minute: one every 30 s
}

TEST_F(tenants, upstream_throttling_passes_through_with_retry_after) {
  const auto key = new_tenant(*qgate_, {"team-d"});
  ASSERT_TRUE(gateway_accepts(key));
  const auto throttled = post(*qgate_, chat("x [[fault:throttle]]"), "X-API-Key: " + key);
  expect_error_envelope(throttled.status, throttled.body, 429, "RATE_LIMITED", "请求频率超限");
  EXPECT_EQ(throttled.headers.at("retry-after"), "1");
}

TEST_F(tenants, ledger_rows_match_the_upstream_usage_also_when_cancelled) {
  const auto key = new_tenant(*qgate_, {"team-e"});
  ASSERT_TRUE(gateway_accepts(key));
  const auto done = post(*qgate_, chat("ledger one"), "X-API-Key: " + key);
  ASSERT_EQ(done.status, 200);
  simdjson::dom::parser parser;
  const std::int64_t total = parser.parse(done.body)["data"]["usage"]["total_tokens"];
  stream_request(
      qgate_->url("/api/llm/chat"), chat("cancel [[chunks:100]][[interval:20]]", true),
      {"Content-Type: application/json", "X-API-Key: " + key},
      [](std::string_view chunk) { return chunk.find("data: ") == std::string_view::npos; });
  std::vector<usage_total> totals;
  ASSERT_TRUE(eventually([&] {
    auto store = catalog::model_store::open((qgate_->directory / "catalog.db").string(), "");
    if (!store) return false;
    catalog::tenant_store ledger(store.value().database());
    auto rows = ledger.usage_totals("team-e", "2000-01-01", "2999-12-31");
    if (!rows || rows.value().empty() || rows.value()[0].requests < 2) return false;
    totals = rows.value();
    return true;
  }));
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].requests, 2);
  // The cancelled stream recorded the tokens generated before the cut (at least one event).
  EXPECT_GT(totals[0].total_tokens, total);
  const auto usage =
      http_request("GET", qgate_->url("/api/llm/usage?from=2000-01-01&to=2999-12-31"), {},
                   {"X-API-Key: " + key});
  ASSERT_EQ(usage.status, 200) << usage.body;
  EXPECT_EQ(std::int64_t(parser.parse(usage.body)["data"].at(0)["requests"]), 2);
  const auto bad_range =
      http_request("GET", qgate_->url("/api/llm/usage?from=yesterday"), {}, {"X-API-Key: " + key});
  EXPECT_EQ(bad_range.status, 400);
}

TEST_F(tenants, the_plaintext_key_is_never_logged_or_stored) {
  const auto key = new_tenant(*qgate_, {"team-f"});
  ASSERT_TRUE(gateway_accepts(key));
  post(*qgate_, chat("secret"), "Authorization: Bearer " + key);
  post(*qgate_, chat("secret"), "X-API-Key: " + key + "x");
  qgate_->process->terminate();
  EXPECT_EQ(qgate_->process->output().find(key), std::string::npos);
  for (const auto& entry : std::filesystem::directory_iterator(qgate_->directory)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(key), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(key.substr(3)), std::string::npos) << entry.path();
  }
}

// The ledger writes to the same database every 50 ms here; only tenant or model changes reload.
TEST_F(tenants, ledger_writes_do_not_reload_the_catalog) {
  const auto key = new_tenant(*qgate_, {"team-g"});
  ASSERT_TRUE(gateway_accepts(key));
  const auto reloads = [&] { return count_of(qgate_->process->output(), "catalog reloaded"); };
  const auto before = reloads();
  const auto until = std::chrono::steady_clock::now() + 1500ms;  // > 7 reload polls
  int calls = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_EQ(post(*qgate_, chat("ledger " + std::to_string(calls)), "X-API-Key: " + key).status,
              200);
    ++calls;
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(500ms);  // the last rows are written and two more polls pass
  EXPECT_EQ(reloads(), before) << qgate_->process->output();
  new_tenant(*qgate_, {"team-h"});
  EXPECT_TRUE(eventually([&] { return reloads() == before + 1; }, 2500ms));
}

// Users put global flags after the subcommand; the README says every command takes --config.
TEST(admin_cli, global_options_are_accepted_after_the_subcommand) {
  const auto directory =
      std::filesystem::temp_directory_path() / ("qgate-admin-cli-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const auto config = directory / "qgate.toml";
  const auto database = directory / "catalog.db";
  std::ofstream(config) << "[catalog]\npath = \"" << database.string() << "\"\nseed = \""
                        << QGATE_SOURCE_DIR << "/config/models.json\"\n";
  // No QGATE_CATALOG_PATH: the database can only come from the file named by --config.
  const auto run = [&](const std::vector<std::string>& args) {
    child_process command(qgate_binary, args, {});
    const int code = command.wait(30s);
    return std::pair{command.output(), code};
  };
  const auto [added, add_code] =
      run({"tenant", "add", "late-flags", "--rpm", "3", "--config", config.string()});
  ASSERT_EQ(add_code, 0) << added;
  EXPECT_FALSE(key_in(added).empty()) << added;
  const auto [set, set_code] =
      run({"tenant", "set-limits", "late-flags", "--config", config.string(), "--tpm", "500"});
  EXPECT_EQ(set_code, 0) << set;
  const auto [listed, list_code] = run({"tenant", "--config", config.string(), "list"});
  ASSERT_EQ(list_code, 0) << listed;
  EXPECT_NE(listed.find("late-flags"), std::string::npos) << listed;

  auto store = catalog::model_store::open(database.string(), "");
  ASSERT_TRUE(store) << store.error().detail;
  catalog::tenant_store tenants(store.value().database());
  auto records = tenants.list();
  ASSERT_TRUE(records);
  ASSERT_EQ(records.value().size(), 1u);
  EXPECT_EQ(records.value()[0].info.limits.rpm, 3);
  EXPECT_EQ(records.value()[0].info.limits.tpm, 500);
  // An unknown flag is still a usage error, not silently ignored.
  EXPECT_EQ(run({"tenant", "list", "--config", config.string(), "--bogus"}).second, 2);
  std::filesystem::remove_all(directory);
}

TEST(open_mode, refused_on_a_public_address_without_tenants) {
  mock_upstream upstream;
  gateway_options options;
  options.args = {"--host", "0.0.0.0", "--allow-anonymous"};
  child_process refused(
      qgate_binary, {"--host", "0.0.0.0", "--port", "0"},
      {{"QGATE_CATALOG_PATH",
        (std::filesystem::temp_directory_path() / "qgate-open-mode.db").string()},
       {"QGATE_CATALOG_SEED", std::string(QGATE_SOURCE_DIR) + "/config/models.json"}});
  EXPECT_EQ(refused.wait(10s), 2);
  EXPECT_NE(refused.output().find("--allow-anonymous"), std::string::npos) << refused.output();
  gateway allowed(upstream.base_url(), options);
  EXPECT_NE(allowed.port, 0) << "without tenants 0.0.0.0 needs --allow-anonymous";
  std::filesystem::remove(std::filesystem::temp_directory_path() / "qgate-open-mode.db");
}

}  // namespace
}  // namespace qgate::testing
