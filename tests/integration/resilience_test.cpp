// Upstream resilience end to end: several DashScope keys (weights, a throttled key cooling down, a
// revoked key taken out, all keys revoked), retries before the first byte only (connection
// failure, 503; never after a streamed byte or once the client left; within the budget), model
// fallbacks named in the answer and billed to the model that served, and the breaker.
#include "catalog/model_store.hpp"
#include "catalog/tenant_store.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/raw_socket.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

const std::string key_a = "sk-key-aaaa";
const std::string key_b = "sk-key-bbbb";
const std::string key_c = "sk-key-cccc";

http_response post(const gateway& qgate, const std::string& body,
                   std::string_view path = "/api/llm/chat") {
  return http_request("POST", qgate.url(path), body, {"Content-Type: application/json"});
}

// Generation requests the mock saw per key (by the key's last four characters).
std::map<std::string, int64_t> requests_by_key(const mock_upstream& upstream) {
  simdjson::dom::parser parser;
  simdjson::dom::element stats;
  std::map<std::string, int64_t> counts;
  const auto body = http_request("GET", upstream.base_url() + "/mock/stats").body;
  if (parser.parse(body).get(stats) != simdjson::SUCCESS) return counts;
  simdjson::dom::object by_key;
  if (stats["requests_by_key"].get(by_key) != simdjson::SUCCESS) return counts;
  for (auto [key, value] : by_key) counts[std::string(key)] = int64_t(value);
  return counts;
}

// Upstream requests whose body contains `needle`, and the models they asked for.
std::vector<std::string> models_of_requests_with(const mock_upstream& upstream,
                                                 std::string_view needle) {
  simdjson::dom::parser parser;
  simdjson::dom::element records;
  std::vector<std::string> models;
  const auto body = http_request("GET", upstream.base_url() + "/mock/requests").body;
  if (parser.parse(body).get(records) != simdjson::SUCCESS) return models;
  for (auto record : simdjson::dom::array(records)) {
    const std::string_view sent = record["body"];
    if (sent.find(needle) == std::string_view::npos) continue;
    simdjson::dom::parser body_parser;
    models.emplace_back(std::string_view(body_parser.parse(std::string(sent))["model"]));
  }
  return models;
}

// /healthz's upstream keys: fingerprint → state.
std::vector<std::string> key_states(const gateway& qgate) {
  simdjson::dom::parser parser;
  std::vector<std::string> states;
  const auto health = http_request("GET", qgate.url("/healthz")).body;
  simdjson::dom::element root;
  if (parser.parse(health).get(root) != simdjson::SUCCESS) return states;
  for (auto key : simdjson::dom::array(root["data"]["upstream"]["keys"])) {
    EXPECT_TRUE(std::string_view(key["key"]).starts_with("sha256:"));
    states.emplace_back(std::string_view(key["state"]));
  }
  return states;
}

gateway_options with_keys(std::string keys, std::map<std::string, std::string> env = {}) {
  gateway_options options;
  options.env = std::move(env);
  options.env["DASHSCOPE_API_KEYS"] = std::move(keys);
  return options;
}

TEST(resilience, calls_spread_over_the_keys_by_weight) {
  mock_upstream upstream({"--api-key", key_a, "--api-key", key_b});
  gateway qgate(upstream.base_url(), with_keys(key_a + "*3, " + key_b));
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(post(qgate, chat_body("qwen-turbo", "spread", i % 2 == 0)).status, 200);
  }
  const auto counts = requests_by_key(upstream);
  EXPECT_EQ(counts.at("aaaa"), 30);
  EXPECT_EQ(counts.at("bbbb"), 10);
  EXPECT_EQ(qgate.process->output().find(key_a), std::string::npos) << "keys are never logged";
}

TEST(resilience, a_throttled_key_cools_down_and_the_call_goes_on_with_another) {
  mock_upstream upstream({"--api-key", key_a, "--api-key", key_b, "--key-quota", key_a + "=1"});
  gateway qgate(upstream.base_url(), with_keys(key_a + ", " + key_b));
  for (int i = 0; i < 10; ++i) {
    const auto reply = post(qgate, chat_body("qwen-turbo", "quota", false));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  const auto counts = requests_by_key(upstream);
  EXPECT_EQ(counts.at("aaaa"), 2) << "one answer, one 429, then it cools down";
  EXPECT_EQ(counts.at("bbbb"), 9);
  EXPECT_EQ(key_states(qgate), (std::vector<std::string>{"cooling", "healthy"}));
}

TEST(resilience, a_revoked_key_among_three_is_taken_out_and_nobody_sees_it) {
  mock_upstream upstream({"--api-key", key_a, "--api-key", key_c, "--revoked-key", key_b});
  gateway qgate(upstream.base_url(), with_keys(key_a + ", " + key_b + ", " + key_c));
  for (int i = 0; i < 12; ++i) {
    const bool stream = i % 2 == 1;
    const auto reply = post(qgate, chat_body("qwen-turbo", "revoked", stream));
    ASSERT_EQ(reply.status, 200) << reply.body;
    if (stream) {
      EXPECT_NE(reply.body.find("data: [DONE]"), std::string::npos);
    }
  }
  EXPECT_EQ(requests_by_key(upstream).at("bbbb"), 1) << "tried once, then out";
  EXPECT_EQ(key_states(qgate), (std::vector<std::string>{"healthy", "rejected", "healthy"}));
  const auto log = qgate.process->output();
  EXPECT_NE(log.find("upstream dashscope rejected the credential sha256:"), std::string::npos);
  EXPECT_EQ(log.find(key_b), std::string::npos);
}

TEST(resilience, every_key_revoked_is_the_seed_401_and_an_openai_502) {
  mock_upstream upstream({"--revoked-key", key_a, "--revoked-key", key_b});
  gateway qgate(upstream.base_url(), with_keys(key_a + ", " + key_b));
  const auto seed = post(qgate, chat_body("qwen-turbo", "all revoked", false));
  expect_error_envelope(seed.status, seed.body, 401, "UNAUTHORIZED", "未授权:API Key缺失或无效");
  const auto door =
      post(qgate, R"({"model":"qwen-turbo","messages":[{"role":"user","content":"x"}]})",
           "/v1/chat/completions");
  EXPECT_EQ(door.status, 502) << door.body;
  simdjson::dom::parser parser;
  EXPECT_EQ(std::string_view(parser.parse(door.body)["error"]["code"]), "upstream_auth_failed");
  EXPECT_NE(qgate.process->output().find("not the caller's"), std::string::npos);
  EXPECT_EQ(key_states(qgate), (std::vector<std::string>{"rejected", "rejected"}));
}

TEST(resilience, a_connection_failure_and_a_503_are_retried_before_the_first_byte) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  for (const bool stream : {false, true}) {
    const std::string mode = stream ? "s" : "u";
    const auto reset =
        post(qgate, chat_body("qwen-turbo", "[[fail-first:cf" + mode + ":1]]", stream));
    EXPECT_EQ(reset.status, 200) << reset.body;
    EXPECT_EQ(models_of_requests_with(upstream, "fail-first:cf" + mode).size(), 2u);
    const auto busy =
        post(qgate, chat_body("qwen-turbo", "[[status-first:s5" + mode + ":2:503]]", stream));
    EXPECT_EQ(busy.status, 200) << busy.body;
    EXPECT_EQ(models_of_requests_with(upstream, "status-first:s5" + mode).size(), 3u);
  }
  EXPECT_NE(qgate.process->output().find("attempt 1 on qwen-turbo"), std::string::npos);
}

TEST(resilience, nothing_is_retried_after_the_first_streamed_byte) {
  mock_upstream upstream({"--chunks", "6"});
  gateway qgate(upstream.base_url());
  const auto reply =
      post(qgate, chat_body("qwen-turbo", "cut after bytes [[fault:drop-mid]]", true));
  EXPECT_EQ(reply.status, 200);
  const auto frames = sse_payloads(reply.body);
  ASSERT_GE(frames.size(), 2u);
  EXPECT_NE(frames[frames.size() - 2].find("\"code\":502"), std::string::npos) << reply.body;
  EXPECT_EQ(models_of_requests_with(upstream, "cut after bytes").size(), 1u);
}

TEST(resilience, nothing_is_retried_once_the_client_left) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  {
    raw_socket client(qgate.port);
    const std::string body =
        chat_body("qwen-turbo", "gone [[status-first:gone:1:503]] [[first-byte:400]]", true);
    client.send(
        "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    ASSERT_TRUE(eventually([&] { return models_of_requests_with(upstream, "gone").size() == 1; }));
  }                                     // the client leaves before the 503 comes back
  std::this_thread::sleep_for(1500ms);  // the 503 (400 ms) and any retry after it would be seen
  EXPECT_EQ(models_of_requests_with(upstream, "gone").size(), 1u);
}

TEST(resilience, the_retry_budget_stops_retries) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url(),
                with_keys(mock_key, {{"QGATE_UPSTREAM_RETRY_BUDGET_PERCENT", "0"},
                                     {"QGATE_UPSTREAM_RETRY_RESERVE", "0"}}));
  const auto reply = post(qgate, chat_body("qwen-turbo", "[[status-first:nb:1:503]]", false));
  expect_error_envelope(reply.status, reply.body, 502, "UPSTREAM_ERROR", "百炼平台返回错误:", true);
  EXPECT_EQ(models_of_requests_with(upstream, "status-first:nb").size(), 1u);
}

TEST(resilience, a_fallback_serves_names_itself_and_is_billed) {
  mock_upstream upstream;
  gateway qgate(
      upstream.base_url(),
      with_keys(mock_key, {{"QGATE_UPSTREAM_FALLBACKS", "qwen-max: qwen-plus, qwen-turbo"},
                           {"QGATE_UPSTREAM_MAX_RETRIES", "1"},
                           {"QGATE_LIMITS_LEDGER_FLUSH_MS", "50"},
                           {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "200"}}));
  child_process add(qgate_binary, {"tenant", "add", "team-f"},
                    {{"QGATE_CATALOG_PATH", (qgate.directory / "catalog.db").string()}});
  ASSERT_EQ(add.wait(30s), 0) << add.output();
  const auto output = add.output();
  const std::string key =
      output.substr(output.find("qg-"), output.find('\n', output.find("qg-")) - output.find("qg-"));
  const auto call = [&](std::string_view path, const std::string& body) {
    return http_request("POST", qgate.url(path), body,
                        {"Content-Type: application/json", "Authorization: Bearer " + key});
  };
  // The gateway has the tenant once its key lists models and no key does not (no ledger rows).
  ASSERT_TRUE(eventually([&] {
    const auto models = [&](std::vector<std::string> headers) {
      return http_request("GET", qgate.url("/api/llm/models"), {}, headers).status;
    };
    return models({"Authorization: Bearer " + key}) == 200 && models({}) == 401;
  }));
  // qwen-max fails twice (its two attempts); qwen-plus serves.
  const auto seed =
      call("/api/llm/chat", chat_body("qwen-max", "[[status-first:fb1:2:503]]", true));
  ASSERT_EQ(seed.status, 200) << seed.body;
  EXPECT_EQ(seed.headers.at("x-qgate-model"), "qwen-plus");
  EXPECT_EQ(models_of_requests_with(upstream, "status-first:fb1"),
            (std::vector<std::string>{"qwen-max", "qwen-max", "qwen-plus"}));
  const auto door = call(
      "/v1/chat/completions",
      R"({"model":"qwen-max","messages":[{"role":"user","content":"[[status-first:fb2:2:503]]"}]})");
  ASSERT_EQ(door.status, 200) << door.body;
  simdjson::dom::parser parser;
  EXPECT_EQ(std::string_view(parser.parse(door.body)["model"]), "qwen-plus");
  // Billed once each, to the model that served.
  std::vector<usage_total> totals;
  ASSERT_TRUE(eventually([&] {
    auto store = catalog::model_store::open((qgate.directory / "catalog.db").string(), "");
    if (!store) return false;
    catalog::tenant_store ledger(store.value().database());
    auto rows = ledger.usage_totals("team-f", "2000-01-01", "2999-12-31");
    if (!rows) return false;
    totals = rows.value();
    int64_t calls = 0;
    for (const auto& row : totals) calls += row.requests;
    return calls == 2;  // the two calls, once each
  }));
  int64_t on_plus = 0;
  for (const auto& row : totals) {
    EXPECT_NE(row.model, "qwen-max");
    if (row.model == "qwen-plus") on_plus = row.requests;
  }
  EXPECT_EQ(on_plus, 2);
}

TEST(resilience, the_breaker_opens_after_failures_in_a_row_and_a_probe_closes_it) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url(),
                with_keys(mock_key, {{"QGATE_UPSTREAM_BREAKER_FAILURES", "2"},
                                     {"QGATE_UPSTREAM_BREAKER_OPEN_MS", "800"},
                                     {"QGATE_UPSTREAM_MAX_RETRIES", "0"},
                                     {"QGATE_UPSTREAM_RETRY_WAIT_MAX_MS", "0"}}));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(post(qgate, chat_body("qwen-turbo", "[[status-first:br:2:503]]", false)).status, 502);
  }
  EXPECT_EQ(key_states(qgate), (std::vector<std::string>{"open"}));
  // While open, nothing is sent upstream: a 502 saying so, with Retry-After, at once.
  const auto refused = post(qgate, chat_body("qwen-turbo", "while open", false));
  expect_error_envelope(refused.status, refused.body, 502, "UPSTREAM_ERROR",
                        "百炼平台返回错误:upstream dashscope keeps failing", true);
  EXPECT_EQ(refused.headers.at("retry-after"), "1");
  EXPECT_TRUE(models_of_requests_with(upstream, "while open").empty());
  // After the wait one probe goes through; it answers, and the breaker closes.
  ASSERT_TRUE(eventually(
      [&] { return post(qgate, chat_body("qwen-turbo", "probe", false)).status == 200; }, 3000ms));
  EXPECT_EQ(key_states(qgate), (std::vector<std::string>{"healthy"}));
}

}  // namespace
}  // namespace qgate::testing
