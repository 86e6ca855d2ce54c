// The OpenAI-compatible front door end to end: qgate + mock DashScope, both modes, tool calls,
// thinking, errors in OpenAI's shape, tenants, limits, the ledger and cancellation — the same
// gateway underneath as the seed's API.
#include "catalog/model_store.hpp"
#include "catalog/tenant_store.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

const std::string tools_json =
    R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}},)"
    R"({"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}])";

std::string openai_body(std::string_view prompt, bool stream, std::string_view extra = {},
                        std::string_view model = "qwen-plus") {
  std::string body = R"({"model":")" + std::string(model) +
                     R"(","messages":[{"role":"user","content":")" + std::string(prompt) + "\"}]";
  if (stream) body += R"(,"stream":true)";
  if (!extra.empty()) body += "," + std::string(extra);
  return body + "}";
}

int64_t mock_stat(const mock_upstream& upstream, const char* name) {
  simdjson::dom::parser parser;
  return parser.parse(http_request("GET", upstream.base_url() + "/mock/stats").body)[name];
}

// Every `data:` payload but [DONE] parsed; `done` tells whether the stream ended with [DONE].
struct chunks {
  std::vector<std::string> payloads;
  bool done = false;
};

chunks read_chunks(const http_response& response) {
  chunks result;
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.headers.at("content-type").starts_with("text/event-stream"));
  for (auto& payload : sse_payloads(response.body)) {
    EXPECT_FALSE(result.done) << "a frame after [DONE]";
    if (payload == "[DONE]") {
      result.done = true;
    } else {
      result.payloads.push_back(std::move(payload));
    }
  }
  return result;
}

// The OpenAI error object: status, type and code (empty: null), and the param.
void expect_openai_error(const http_response& response, long status, std::string_view type,
                         std::string_view code, std::string_view param = {}) {
  EXPECT_EQ(response.status, status) << response.body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(response.body).get(root), simdjson::SUCCESS) << response.body;
  const auto error = root["error"];
  EXPECT_FALSE(std::string_view(error["message"]).empty());
  EXPECT_EQ(std::string_view(error["type"]), type) << response.body;
  if (code.empty()) {
    EXPECT_TRUE(error["code"].is_null()) << response.body;
  } else {
    EXPECT_EQ(std::string_view(error["code"]), code) << response.body;
  }
  if (param.empty()) {
    EXPECT_TRUE(error["param"].is_null()) << response.body;
  } else {
    EXPECT_EQ(std::string_view(error["param"]), param) << response.body;
  }
}

class openai_door : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream({"--chunks", "4"});
    gateway_options options;
    options.env["QGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS"] = "400";
    options.env["QGATE_UPSTREAM_IDLE_TIMEOUT_MS"] = "400";
    // Faults come one after another here: a key that was throttled, failed or refused by a
    // scripted fault is usable again at once (resilience_test covers cooldowns and the breaker).
    options.env["QGATE_UPSTREAM_KEY_COOLDOWN_MS"] = "1";
    options.env["QGATE_UPSTREAM_BREAKER_OPEN_MS"] = "1";
    qgate_ = new gateway(upstream_->base_url(), options);
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
  }
  static http_response post(const std::string& body, std::vector<std::string> headers = {}) {
    headers.push_back("Content-Type: application/json");
    return http_request("POST", qgate_->url("/v1/chat/completions"), body, headers);
  }
  // The body qgate last sent upstream, parsed into `parser`.
  static simdjson::dom::element last_upstream_body(simdjson::dom::parser& parser) {
    simdjson::dom::parser records_parser;
    const auto recorded = http_request("GET", upstream_->base_url() + "/mock/requests").body;
    simdjson::dom::element records;
    EXPECT_EQ(records_parser.parse(recorded).get(records), simdjson::SUCCESS);
    const auto all = simdjson::dom::array(records);
    simdjson::dom::element last;
    for (auto record : all) last = record;
    return parser.parse(std::string(std::string_view(last["body"])));
  }
  static inline mock_upstream* upstream_ = nullptr;
  static inline gateway* qgate_ = nullptr;
};

TEST_F(openai_door, non_stream_completion) {
  const auto response = post(openai_body("hello", false));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.headers.at("content-type").starts_with("application/json"));
  simdjson::dom::parser parser;
  const auto root = parser.parse(response.body);
  EXPECT_EQ(std::string_view(root["id"]), "chatcmpl-" + response.headers.at("x-request-id"));
  EXPECT_EQ(std::string_view(root["object"]), "chat.completion");
  EXPECT_EQ(std::string_view(root["model"]), "qwen-plus");
  EXPECT_NEAR(double(int64_t(root["created"])), double(std::time(nullptr)), 60);
  const auto choice = root["choices"].at(0);
  EXPECT_EQ(std::string_view(choice["message"]["role"]), "assistant");
  EXPECT_EQ(std::string_view(choice["message"]["content"]), "mock:hello");
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "stop");
  const int64_t prompt = root["usage"]["prompt_tokens"];
  const int64_t completion = root["usage"]["completion_tokens"];
  EXPECT_GT(prompt, 0);
  EXPECT_GT(completion, 0);
  EXPECT_EQ(int64_t(root["usage"]["total_tokens"]), prompt + completion);
}

TEST_F(openai_door, stream_chunks_and_usage) {
  const auto plain = read_chunks(post(openai_body("streamed", true)));
  ASSERT_TRUE(plain.done);
  simdjson::dom::parser parser;
  std::string content;
  int finishes = 0;
  for (std::size_t i = 0; i < plain.payloads.size(); ++i) {
    simdjson::dom::element chunk;
    ASSERT_EQ(parser.parse(plain.payloads[i]).get(chunk), simdjson::SUCCESS);
    EXPECT_EQ(std::string_view(chunk["object"]), "chat.completion.chunk");
    EXPECT_TRUE(chunk["usage"].error()) << "no usage without include_usage";
    const auto choice = chunk["choices"].at(0);
    if (i == 0) {
      EXPECT_EQ(std::string_view(choice["delta"]["role"]), "assistant");
    }
    std::string_view piece;
    if (choice["delta"]["content"].get(piece) == simdjson::SUCCESS) content += piece;
    if (!choice["finish_reason"].is_null()) {
      ++finishes;
      EXPECT_EQ(std::string_view(choice["finish_reason"]), "stop");
      EXPECT_EQ(i, plain.payloads.size() - 1);
    }
  }
  EXPECT_EQ(content, "mock:streamed");
  EXPECT_EQ(finishes, 1);

  const auto counted = read_chunks(
      post(openai_body("streamed", true, R"("stream_options":{"include_usage":true})")));
  ASSERT_TRUE(counted.done);
  const auto last = parser.parse(counted.payloads.back());
  EXPECT_EQ(simdjson::dom::array(last["choices"]).size(), 0u);
  EXPECT_GT(int64_t(last["usage"]["completion_tokens"]), 0);
  const auto before = parser.parse(counted.payloads[counted.payloads.size() - 2]);
  EXPECT_TRUE(before["usage"].is_null());
}

TEST_F(openai_door, max_tokens_ends_with_length) {
  const auto response = post(openai_body("abcdefgh", false, R"("max_completion_tokens":2)"));
  simdjson::dom::parser parser;
  const auto root = parser.parse(response.body);
  EXPECT_EQ(std::string_view(root["choices"].at(0)["finish_reason"]), "length");
  EXPECT_EQ(int64_t(root["usage"]["completion_tokens"]), 2);
}

TEST_F(openai_door, forwards_every_option_to_dashscope) {
  post(openai_body("forward", true,
                   tools_json +
                       R"(,"tool_choice":"auto","parallel_tool_calls":true,"stop":"END",)"
                       R"("seed":7,"presence_penalty":0.5,"top_k":5,"repetition_penalty":1.1,)"
                       R"("enable_thinking":true,"thinking_budget":30,"enable_search":false,)"
                       R"("response_format":{"type":"json_object"},"temperature":0.3,)"
                       R"("max_tokens":50,"user":"u1","unknown_field":[1,2])"));
  simdjson::dom::parser parser;
  const auto body = last_upstream_body(parser);
  const auto p = body["parameters"];
  EXPECT_EQ(std::string_view(p["result_format"]), "message");
  EXPECT_TRUE(bool(p["incremental_output"]));
  EXPECT_EQ(std::string_view(p["tools"].at(1)["function"]["name"]), "get_time");
  EXPECT_EQ(std::string_view(p["tool_choice"]), "auto");
  EXPECT_TRUE(bool(p["parallel_tool_calls"]));
  EXPECT_EQ(std::string_view(p["stop"].at(0)), "END");
  EXPECT_EQ(int64_t(p["seed"]), 7);
  EXPECT_EQ(double(p["presence_penalty"]), 0.5);
  EXPECT_EQ(int64_t(p["top_k"]), 5);
  EXPECT_EQ(double(p["repetition_penalty"]), 1.1);
  EXPECT_TRUE(bool(p["enable_thinking"]));
  EXPECT_EQ(int64_t(p["thinking_budget"]), 30);
  EXPECT_FALSE(bool(p["enable_search"]));
  EXPECT_EQ(std::string_view(p["response_format"]["type"]), "json_object");
  EXPECT_EQ(int64_t(p["max_tokens"]), 50);
  EXPECT_TRUE(p["user"].error());
  EXPECT_TRUE(p["unknown_field"].error());
}

TEST_F(openai_door, tool_call_round_trip) {
  const auto called = post(openai_body("杭州天气", false, tools_json));
  ASSERT_EQ(called.status, 200) << called.body;
  simdjson::dom::parser parser;
  const auto root = parser.parse(called.body);
  const auto choice = root["choices"].at(0);
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "tool_calls");
  EXPECT_TRUE(choice["message"]["content"].is_null());
  const auto call = choice["message"]["tool_calls"].at(0);
  const std::string id{std::string_view(call["id"])};
  EXPECT_EQ(std::string_view(call["type"]), "function");
  EXPECT_EQ(std::string_view(call["function"]["name"]), "get_weather");
  simdjson::dom::parser arguments_parser;
  const auto arguments =
      arguments_parser.parse(std::string(std::string_view(call["function"]["arguments"])));
  EXPECT_EQ(std::string_view(arguments["query"]), "杭州天气");

  // The client runs the tool and sends its result back; the model answers from it.
  const std::string follow_up =
      R"({"model":"qwen-plus",)" + tools_json +
      R"(,"messages":[{"role":"user","content":"杭州天气"},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":")" +
      id +
      R"(","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},)"
      R"({"role":"tool","tool_call_id":")" +
      id + R"(","content":"晴 25°C"}]})";
  const auto answered = post(follow_up);
  ASSERT_EQ(answered.status, 200) << answered.body;
  const auto final_root = parser.parse(answered.body);
  EXPECT_EQ(std::string_view(final_root["choices"].at(0)["message"]["content"]),
            "mock:tool:晴 25°C");
  EXPECT_EQ(std::string_view(final_root["choices"].at(0)["finish_reason"]), "stop");
  simdjson::dom::parser upstream_parser;
  const auto sent = last_upstream_body(upstream_parser)["input"]["messages"];
  EXPECT_EQ(std::string_view(sent.at(1)["tool_calls"].at(0)["id"]), id);
  EXPECT_EQ(std::string_view(sent.at(2)["role"]), "tool");
  EXPECT_EQ(std::string_view(sent.at(2)["tool_call_id"]), id);
}

TEST_F(openai_door, parallel_tool_calls_stream_in_fragments) {
  const auto streamed =
      read_chunks(post(openai_body("两个", true, tools_json + R"(,"parallel_tool_calls":true)")));
  ASSERT_TRUE(streamed.done);
  simdjson::dom::parser parser;
  std::map<int64_t, std::pair<std::string, std::string>> calls;  // index → name, arguments
  std::map<int64_t, int> ids;
  std::string finish;
  for (const auto& payload : streamed.payloads) {
    const auto choice = parser.parse(payload)["choices"].at(0);
    if (!choice["finish_reason"].is_null()) finish = std::string_view(choice["finish_reason"]);
    simdjson::dom::array fragments;
    if (choice["delta"]["tool_calls"].get(fragments) != simdjson::SUCCESS) continue;
    for (auto fragment : fragments) {
      const int64_t index = fragment["index"];
      std::string_view text;
      if (fragment["id"].get(text) == simdjson::SUCCESS) {
        EXPECT_TRUE(text.starts_with("call_"));
        ++ids[index];
      }
      if (fragment["function"]["name"].get(text) == simdjson::SUCCESS) calls[index].first += text;
      calls[index].second += std::string_view(fragment["function"]["arguments"]);
    }
  }
  EXPECT_EQ(finish, "tool_calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].first, "get_weather");
  EXPECT_EQ(calls[1].first, "get_time");
  EXPECT_EQ(ids[0], 1) << "an id only on a call's first fragment";
  EXPECT_EQ(ids[1], 1);
  for (const auto& [index, call] : calls) {
    simdjson::dom::parser arguments;
    EXPECT_EQ(std::string_view(arguments.parse(call.second)["query"]), "两个") << index;
  }
}

TEST_F(openai_door, thinking_streams_reasoning_before_content) {
  const auto streamed = read_chunks(post(openai_body(
      "想", true, R"("enable_thinking":true,"stream_options":{"include_usage":true})")));
  ASSERT_TRUE(streamed.done);
  simdjson::dom::parser parser;
  std::string reasoning;
  std::string content;
  for (const auto& payload : streamed.payloads) {
    const auto root = parser.parse(payload);
    simdjson::dom::element choice;
    if (root["choices"].at(0).get(choice) != simdjson::SUCCESS) {
      EXPECT_GT(int64_t(root["usage"]["completion_tokens_details"]["reasoning_tokens"]), 0);
      continue;
    }
    std::string_view piece;
    if (choice["delta"]["reasoning_content"].get(piece) == simdjson::SUCCESS) {
      EXPECT_TRUE(content.empty()) << "reasoning after content";
      reasoning += piece;
    }
    if (choice["delta"]["content"].get(piece) == simdjson::SUCCESS) content += piece;
  }
  EXPECT_EQ(reasoning, "think:想");
  EXPECT_EQ(content, "mock:想");
  // The seed's API drops the reasoning: only content frames.
  const auto seed =
      http_request("POST", qgate_->url("/api/llm/chat"), chat_body("qwen-plus", "想", true),
                   {"Content-Type: application/json"});
  EXPECT_EQ(seed.body.find("think:"), std::string::npos);
}

TEST_F(openai_door, client_errors_in_openai_shape) {
  expect_openai_error(post("not json"), 400, "invalid_request_error", "");
  expect_openai_error(post(openai_body("x", false, R"("temperature":2.5)")), 400,
                      "invalid_request_error", "", "temperature");
  expect_openai_error(post(openai_body("x", false, R"("n":2)")), 400, "invalid_request_error", "",
                      "n");
  expect_openai_error(post(openai_body("x", false, R"("enable_thinking":true)")), 400,
                      "invalid_request_error", "", "enable_thinking");
  expect_openai_error(post(openai_body("x", false, {}, "no-such-model")), 404,
                      "invalid_request_error", "model_not_found", "model");
  expect_openai_error(post(openai_body("x", false, {}, "wanx2.1-t2i-turbo")), 404,
                      "invalid_request_error", "model_not_found", "model");
  expect_openai_error(http_request("GET", qgate_->url("/v1/chat/completions")), 405,
                      "invalid_request_error", "method_not_allowed");
  expect_openai_error(http_request("GET", qgate_->url("/v1/embeddings")), 404,
                      "invalid_request_error", "unknown_url");
  // The seed's API keeps its own envelope.
  const auto seed = http_request("GET", qgate_->url("/api/llm/nothing"));
  expect_error_envelope(seed.status, seed.body, 404, "NOT_FOUND", "资源不存在");
}

TEST_F(openai_door, models_list_and_retrieve) {
  const auto list = http_request("GET", qgate_->url("/v1/models"));
  ASSERT_EQ(list.status, 200) << list.body;
  simdjson::dom::parser parser;
  const auto root = parser.parse(list.body);
  EXPECT_EQ(std::string_view(root["object"]), "list");
  bool has_plus = false;
  for (auto model : simdjson::dom::array(root["data"])) {
    EXPECT_EQ(std::string_view(model["object"]), "model");
    EXPECT_NE(std::string_view(model["id"]), "wanx2.1-t2i-turbo") << "language models only";
    has_plus = has_plus || std::string_view(model["id"]) == "qwen-plus";
  }
  EXPECT_TRUE(has_plus);
  const auto one = http_request("GET", qgate_->url("/v1/models/qwen-plus"));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(std::string_view(parser.parse(one.body)["id"]), "qwen-plus");
  expect_openai_error(http_request("GET", qgate_->url("/v1/models/qwen-nope")), 404,
                      "invalid_request_error", "model_not_found", "model");
}

TEST_F(openai_door, upstream_failures) {
  expect_openai_error(post(openai_body("x [[fault:internal]]", false)), 502, "upstream_error",
                      "upstream_error");
  expect_openai_error(post(openai_body("x [[fault:stall-first]]", true)), 504, "timeout",
                      "timeout");
  expect_openai_error(post(openai_body("x [[fault:throttle]]", false)), 429, "requests",
                      "rate_limit_exceeded");
  // DashScope refusing the request is the caller's 400, as OpenAI answers a prompt too long.
  expect_openai_error(post(openai_body("x [[fault:context-length]]", true)), 400,
                      "invalid_request_error", "context_length_exceeded");
  // A failure after the stream began is one error frame, never [DONE] or a finish_reason.
  const auto cut = read_chunks(post(openai_body("x [[fault:drop-mid]]", true)));
  EXPECT_FALSE(cut.done);
  ASSERT_FALSE(cut.payloads.empty());
  simdjson::dom::parser parser;
  const auto last = parser.parse(cut.payloads.back());
  EXPECT_EQ(std::string_view(last["error"]["code"]), "upstream_error");
  for (std::size_t i = 0; i + 1 < cut.payloads.size(); ++i) {
    EXPECT_TRUE(parser.parse(cut.payloads[i])["choices"].at(0)["finish_reason"].is_null());
  }
}

TEST_F(openai_door, a_client_that_leaves_cancels_the_upstream_call) {
  ASSERT_TRUE(eventually([&] { return mock_stat(*upstream_, "active_streams") == 0; }));
  const auto aborted_before = mock_stat(*upstream_, "streams_aborted_by_peer");
  int seen = 0;
  stream_request(qgate_->url("/v1/chat/completions"),
                 openai_body("leave [[chunks:200]][[interval:20]]", true),
                 {"Content-Type: application/json"}, [&](std::string_view chunk) {
                   seen += chunk.find("data: ") != std::string_view::npos;
                   return seen < 2;
                 });
  EXPECT_TRUE(eventually(
      [&] {
        return mock_stat(*upstream_, "streams_aborted_by_peer") == aborted_before + 1 &&
               mock_stat(*upstream_, "active_streams") == 0;
      },
      2000ms));
}

// Tenants, limits and the ledger are the seed API's own: the tenant key is the OpenAI API key.
TEST(openai_door_tenants, keys_limits_and_ledger) {
  mock_upstream upstream({"--chunks", "4"});
  gateway_options options;
  options.env["QGATE_LIMITS_LEDGER_FLUSH_MS"] = "50";
  options.env["QGATE_CATALOG_RELOAD_INTERVAL_MS"] = "200";
  gateway qgate(upstream.base_url(), options);
  child_process add(qgate_binary,
                    {"tenant", "add", "team-o", "--rpm", "2", "--models", "qwen-plus"},
                    {{"QGATE_CATALOG_PATH", (qgate.directory / "catalog.db").string()}});
  ASSERT_EQ(add.wait(30s), 0) << add.output();
  const auto output = add.output();
  const auto at = output.find("qg-");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string key = output.substr(at, output.find('\n', at) - at);
  const auto call = [&](const std::string& auth, std::string_view model = "qwen-plus") {
    return http_request("POST", qgate.url("/v1/chat/completions"),
                        openai_body("tenant", false, {}, model),
                        {"Content-Type: application/json", auth});
  };
  // The gateway has seen the tenant once its key works and, tenants existing, no other does.
  const auto models_status = [&](const std::string& k) {
    return http_request("GET", qgate.url("/v1/models"), {}, {"Authorization: Bearer " + k}).status;
  };
  ASSERT_TRUE(eventually(
      [&] { return models_status(key) == 200 && models_status("qg-wrong") == 401; }, 2500ms));
  expect_openai_error(call("Authorization: Bearer qg-wrong"), 401, "invalid_request_error",
                      "invalid_api_key");
  expect_openai_error(http_request("GET", qgate.url("/v1/models")), 401, "invalid_request_error",
                      "invalid_api_key");
  const auto listed =
      http_request("GET", qgate.url("/v1/models"), {}, {"Authorization: Bearer " + key});
  EXPECT_NE(listed.body.find("qwen-plus"), std::string::npos);
  EXPECT_EQ(listed.body.find("qwen-turbo"), std::string::npos);
  expect_openai_error(call("Authorization: Bearer " + key, "qwen-turbo"), 404,
                      "invalid_request_error", "model_not_found", "model");

  const auto first = call("Authorization: Bearer " + key);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.headers.at("x-ratelimit-limit-requests"), "2");
  EXPECT_EQ(call("Authorization: Bearer " + key).status, 200);
  const auto limited = call("Authorization: Bearer " + key);
  expect_openai_error(limited, 429, "requests", "rate_limit_exceeded");
  EXPECT_EQ(limited.headers.at("retry-after"), "30");

  // Both admitted calls are in the ledger, as the seed's usage API reports them.
  EXPECT_TRUE(eventually([&] {
    const auto usage =
        http_request("GET", qgate.url("/api/llm/usage?from=2000-01-01&to=2999-12-31"), {},
                     {"X-API-Key: " + key});
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(usage.body).get(root) != simdjson::SUCCESS) return false;
    simdjson::dom::element row;
    if (root["data"].at(0).get(row) != simdjson::SUCCESS) return false;
    return int64_t(row["requests"]) == 2 && std::string_view(row["model"]) == "qwen-plus";
  }));
}

}  // namespace
}  // namespace qgate::testing
