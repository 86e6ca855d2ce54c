// POST /api/llm/chat end to end: qgate + mock DashScope, both modes, every scripted fault.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <ctime>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;
const std::vector<std::string> json_headers = {"Content-Type: application/json"};

struct chat_reply {
  long status = 0;
  std::string content_type;
  std::string body;
  std::string retry_after;
};

class chat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream({"--chunks", "4"});
    gateway_options options;
    options.env["QGATE_UPSTREAM_FIRST_BYTE_TIMEOUT_MS"] = "400";
    options.env["QGATE_UPSTREAM_IDLE_TIMEOUT_MS"] = "400";
    // Faults come one after another here: a key that was throttled, failed or refused by a
    // scripted fault is usable again at once (resilience_test covers cooldowns and the breaker).
    options.env["QGATE_UPSTREAM_KEY_COOLDOWN_MS"] = "1";
    options.env["QGATE_UPSTREAM_KEY_COOLDOWN_MAX_MS"] = "1";  // also after a Retry-After
    options.env["QGATE_UPSTREAM_BREAKER_OPEN_MS"] = "1";
    qgate_ = new gateway(upstream_->base_url(), options);
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
  }

  static chat_reply post(const std::string& body) {
    const auto response = http_request("POST", qgate_->url("/api/llm/chat"), body, json_headers);
    auto type = response.headers.find("content-type");
    auto retry = response.headers.find("retry-after");
    return {response.status, type == response.headers.end() ? "" : type->second, response.body,
            retry == response.headers.end() ? "" : retry->second};
  }

  // Non-stream: checks the envelope, returns data.
  static void expect_completion(const chat_reply& reply, std::string_view content,
                                std::string_view finish) {
    ASSERT_EQ(reply.status, 200) << reply.body;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(reply.body).get(root), simdjson::SUCCESS) << reply.body;
    EXPECT_EQ(int64_t(root["code"]), 200);
    EXPECT_EQ(std::string_view(root["message"]), "success");
    EXPECT_EQ(std::string_view(root["data"]["content"]), content);
    EXPECT_EQ(std::string_view(root["data"]["finish_reason"]), finish);
    const int64_t input = root["data"]["usage"]["input_tokens"];
    const int64_t output = root["data"]["usage"]["output_tokens"];
    EXPECT_EQ(int64_t(root["data"]["usage"]["total_tokens"]), input + output);
  }

  static void expect_error(const chat_reply& reply, long status, std::string_view symbol,
                           std::string_view message_prefix) {
    expect_error_envelope(reply.status, reply.body, status, symbol, message_prefix, true);
  }

  struct stream_result {
    std::string content;
    std::string last_finish;  // of the last content frame
    std::vector<std::string> payloads;
  };

  // Stream: every frame parses; content frames then one final frame then [DONE].
  static stream_result read_stream(const chat_reply& reply) {
    stream_result result;
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_TRUE(reply.content_type.starts_with("text/event-stream")) << reply.content_type;
    result.payloads = sse_payloads(reply.body);
    EXPECT_FALSE(result.payloads.empty());
    if (result.payloads.empty()) return result;
    EXPECT_EQ(result.payloads.back(), "[DONE]") << reply.body;
    simdjson::dom::parser parser;
    for (std::size_t i = 0; i + 1 < result.payloads.size(); ++i) {
      simdjson::dom::element frame;
      EXPECT_EQ(parser.parse(result.payloads[i]).get(frame), simdjson::SUCCESS)
          << result.payloads[i];
      std::string_view text;
      if (frame["content"].get(text) == simdjson::SUCCESS) {
        result.content += text;
        result.last_finish = frame["finish_reason"].is_null()
                                 ? "null"
                                 : std::string(std::string_view(frame["finish_reason"]));
      }
    }
    return result;
  }

  static mock_upstream* upstream_;
  static gateway* qgate_;
};

mock_upstream* chat::upstream_ = nullptr;
gateway* chat::qgate_ = nullptr;

TEST_F(chat, non_stream_answer) {
  expect_completion(post(chat_body("qwen-turbo", "你好", false, R"("temperature":0.7)")),
                    "mock:你好", "stop");
}

TEST_F(chat, stream_answer_frames) {
  const auto reply = post(chat_body("qwen-plus", "stream me", true));
  const auto result = read_stream(reply);
  EXPECT_EQ(result.content, "mock:stream me");
  EXPECT_EQ(result.last_finish, "stop");
  ASSERT_GE(result.payloads.size(), 3u);
  EXPECT_TRUE(result.payloads[0].ends_with(R"(,"finish_reason":null})")) << result.payloads[0];
  const auto& last = result.payloads[result.payloads.size() - 2];
  EXPECT_NE(last.find(R"("usage":{"input_tokens":)"), std::string::npos) << last;
}

TEST_F(chat, max_tokens_gives_length) {
  const auto reply = post(chat_body("qwen-max", "abcdefgh", false, R"("max_tokens":2)"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(reply.body).get(root), simdjson::SUCCESS);
  const std::string_view content = root["data"]["content"];
  EXPECT_TRUE(std::string_view("mock:abcdefgh").starts_with(content)) << content;
  EXPECT_LT(content.size(), std::string_view("mock:abcdefgh").size());
  EXPECT_EQ(std::string_view(root["data"]["finish_reason"]), "length");
  EXPECT_EQ(int64_t(root["data"]["usage"]["output_tokens"]), 2);
}

TEST_F(chat, forwards_the_dashscope_request) {
  http_request("DELETE", upstream_->base_url() + "/mock/requests");
  post(chat_body("qwen-turbo", "forward me", true,
                 R"("temperature":0.5,"top_p":0.9,"max_tokens":64)"));
  const auto recorded = http_request("GET", upstream_->base_url() + "/mock/requests").body;
  simdjson::dom::parser parser;
  simdjson::dom::element requests;
  ASSERT_EQ(parser.parse(recorded).get(requests), simdjson::SUCCESS);
  simdjson::dom::element last = requests.at(0);
  EXPECT_EQ(std::string_view(last["target"]), "/api/v1/services/aigc/text-generation/generation");
  EXPECT_EQ(std::string_view(last["headers"]["Authorization"]), "Bearer " + mock_key);
  EXPECT_EQ(std::string_view(last["headers"]["X-DashScope-SSE"]), "enable");
  simdjson::dom::parser body_parser;
  simdjson::dom::element body;
  ASSERT_EQ(body_parser.parse(std::string_view(last["body"])).get(body), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(body["parameters"]["result_format"]), "message");
  EXPECT_TRUE(bool(body["parameters"]["incremental_output"]));
  EXPECT_EQ(double(body["parameters"]["temperature"]), 0.5);
  EXPECT_EQ(int64_t(body["parameters"]["max_tokens"]), 64);
  EXPECT_EQ(std::string_view(body["input"]["messages"].at(0)["content"]), "forward me");
}

TEST_F(chat, client_errors) {
  expect_error(post(chat_body("no-such-model", "x", false)), 400, "INVALID_MODEL",
               "无效的模型名称或模型类型不匹配");
  expect_error(post(chat_body("wanx2.1-t2i-turbo", "x", true)), 400, "INVALID_MODEL",
               "无效的模型名称或模型类型不匹配");
  expect_error(post(R"({"model":"qwen-turbo","messages":[]})"), 400, "INVALID_MESSAGES",
               "消息列表不能为空");
  expect_error(post(R"({"model":"qwen-turbo","messages":[{"role":"bot","content":"x"}]})"), 400,
               "INVALID_MESSAGES", "消息格式错误:messages[0].role");
  expect_error(post(chat_body("qwen-turbo", "x", false, R"("temperature":2.5)")), 400,
               "INVALID_PARAMS", "参数错误:temperature");
  expect_error(post("not json"), 400, "INVALID_PARAMS", "参数错误:");
}

struct fault_case {
  std::string name;
  long status;          // non-stream status (and stream status when the fault hits before output)
  std::string symbol;   // empty: a 200 with finish_reason content_filter
  std::string message;  // prefix
  bool mid_stream;      // the stream has begun when it hits
};

TEST_F(chat, every_scripted_fault_in_both_modes) {
  const std::vector<fault_case> faults = {
      {"auth", 401, "UNAUTHORIZED", "未授权:API Key缺失或无效", false},
      {"throttle", 429, "RATE_LIMITED", "请求频率超限", false},
      {"internal", 502, "UPSTREAM_ERROR", "百炼平台返回错误:InternalError", false},
      {"unavailable", 502, "UPSTREAM_ERROR", "百炼平台返回错误:ModelUnavailable", false},
      {"inspect", 200, "", "", false},
      {"inspect-mid", 200, "", "", true},
      {"stall-first", 504, "TIMEOUT", "请求超时", false},
      {"stall-mid", 504, "TIMEOUT", "请求超时", true},
      {"drop-mid", 502, "UPSTREAM_ERROR", "百炼平台返回错误:", true},
      {"malformed", 502, "UPSTREAM_ERROR", "百炼平台返回错误:", false},
  };
  for (const auto& fault : faults) {
    SCOPED_TRACE(fault.name);
    const std::string prompt = "hello [[fault:" + fault.name + "]]";
    const auto unary = post(chat_body("qwen-turbo", prompt, false));
    if (fault.symbol.empty()) {
      ASSERT_EQ(unary.status, 200) << unary.body;
      EXPECT_NE(unary.body.find(R"("finish_reason":"content_filter")"), std::string::npos)
          << unary.body;
    } else {
      expect_error(unary, fault.status, fault.symbol, fault.message);
    }

    const auto streamed = post(chat_body("qwen-turbo", prompt, true));
    if (!fault.mid_stream && !fault.symbol.empty()) {
      expect_error(streamed, fault.status, fault.symbol, fault.message);
      continue;
    }
    const auto result = read_stream(streamed);
    EXPECT_NE(result.last_finish, "stop") << streamed.body;
    if (fault.symbol.empty()) {
      EXPECT_EQ(result.last_finish, "content_filter") << streamed.body;
      continue;
    }
    ASSERT_GE(result.payloads.size(), 2u);
    const auto& final_frame = result.payloads[result.payloads.size() - 2];
    simdjson::dom::parser parser;
    simdjson::dom::element frame;
    ASSERT_EQ(parser.parse(final_frame).get(frame), simdjson::SUCCESS) << final_frame;
    EXPECT_EQ(int64_t(frame["code"]), fault.status);
    EXPECT_EQ(std::string_view(frame["error"]), fault.symbol);
    EXPECT_TRUE(std::string_view(frame["message"]).starts_with(fault.message)) << final_frame;
    EXPECT_TRUE(frame["data"].is_null());
  }
}

// What an error message may contain when the upstream is hostile: the spec's prefix, then at most
// a bounded code and message on one line, and no credential.
void expect_clean_upstream_message(std::string_view message) {
  constexpr std::string_view prefix = "百炼平台返回错误:";
  EXPECT_TRUE(message.starts_with(prefix)) << message;
  EXPECT_LE(message.size(), prefix.size() + 64 + 2 + 256) << message;
  EXPECT_EQ(message.find(mock_key), std::string::npos) << message;
  EXPECT_EQ(message.find("Bearer"), std::string::npos) << message;
  EXPECT_EQ(message.find("<html"), std::string::npos) << message;
  for (const char c : message) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << message;
  EXPECT_EQ(message.find("\xE2\x80\xA8"), std::string::npos) << message;
}

// The error's message, whether it is the whole body or the stream's final frame before [DONE].
std::string error_message_of(const chat_reply& reply, bool in_stream, long status) {
  std::string json = reply.body;
  if (in_stream) {
    const auto payloads = sse_payloads(reply.body);
    EXPECT_GE(payloads.size(), 2u) << reply.body;
    if (payloads.size() < 2) return {};
    EXPECT_EQ(payloads.back(), "[DONE]");
    EXPECT_EQ(reply.body.find(R"("finish_reason":"stop")"), std::string::npos) << reply.body;
    json = payloads[payloads.size() - 2];
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  if (!root.is_object()) return {};
  EXPECT_EQ(int64_t(root["code"]), status) << json;
  EXPECT_EQ(std::string_view(root["error"]), "UPSTREAM_ERROR") << json;
  EXPECT_TRUE(root["data"].is_null());
  return std::string(std::string_view(root["message"]));
}

TEST_F(chat, hostile_upstream_error_bodies_reach_neither_client_nor_log_verbatim) {
  struct hostile_case {
    std::string fault;
    bool stream;
    bool mid_stream;            // the error arrives as the stream's final frame
    std::string message_start;  // after the spec's prefix
  };
  const std::vector<hostile_case> cases = {
      {"reflect", false, false, "InternalError: Request headers as received: "},
      {"reflect", true, true, "InternalError: Request headers as received: "},
      {"reflect-code", false, false, "InvalidParameter [2026-01-01 00:00:00.000] [error] forged"},
      {"reflect-code", true, false, "InvalidParameter [2026-01-01 00:00:00.000] [error] forged"},
      {"html", false, false, "HTTP 502: 上游返回了非 JSON 的错误响应"},
      {"html", true, false, "HTTP 502: 上游返回了非 JSON 的错误响应"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.fault + (c.stream ? " stream" : " unary"));
    const auto reply = post(chat_body("qwen-turbo", "x [[fault:" + c.fault + "]]", c.stream));
    EXPECT_EQ(reply.status, c.mid_stream ? 200 : 502) << reply.body;
    EXPECT_EQ(reply.body.find(mock_key), std::string::npos) << reply.body;
    EXPECT_EQ(reply.body.find("Bearer"), std::string::npos) << reply.body;
    const auto message = error_message_of(reply, c.mid_stream, 502);
    expect_clean_upstream_message(message);
    EXPECT_TRUE(message.starts_with("百炼平台返回错误:" + c.message_start)) << message;
    if (c.fault == "html") {
      EXPECT_EQ(message, "百炼平台返回错误:" + c.message_start);
    }
    if (c.fault == "reflect") {
      EXPECT_NE(message.find("Authorization: ***"), std::string::npos) << message;
    }
  }
  // Every line qgate logged is one of its own: no key, and no line the upstream's newlines forged.
  ASSERT_TRUE(eventually(
      [&] { return qgate_->process->output().find("[error] forged") != std::string::npos; }));
  const auto output = qgate_->process->output();
  EXPECT_EQ(output.find(mock_key), std::string::npos) << output;
  EXPECT_EQ(output.find("Bearer"), std::string::npos) << output;
  std::size_t start = 0;
  while (start < output.size()) {
    const auto end = output.find('\n', start);
    const std::string line = output.substr(start, end - start);
    start = end == std::string::npos ? output.size() : end + 1;
    if (line.find("listening on") != std::string::npos) continue;
    EXPECT_TRUE(line.starts_with("[20")) << line;
    EXPECT_FALSE(line.starts_with("[2026-01-01 00:00:00.000]")) << line;
    if (line.find("forged") != std::string::npos ||
        line.find("headers as received") != std::string::npos) {
      // The answer's failure, or one of the attempts before it (retried 5xx).
      const bool answer = line.find("failed: UPSTREAM_ERROR ") != std::string::npos;
      const bool attempt = line.find(": attempt ") != std::string::npos &&
                           line.find(" failed (") != std::string::npos;
      EXPECT_TRUE(answer || attempt) << line;
    }
  }
}

// An IMF-fixdate `ahead` from now, as an upstream would write it in Retry-After.
std::string http_date_in(std::chrono::seconds ahead) {
  const std::time_t when =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return text;
}

TEST_F(chat, upstream_retry_after_reaches_the_client_bounded) {
  struct retry_case {
    std::string prompt;
    std::string retry_after;  // what the client must be told
  };
  const std::vector<retry_case> cases = {
      {"[[fault:throttle-retry]]", "7"},              // a real 429 with Retry-After: 7
      {"[[fault:throttle]] [[retry-after:7]]", "7"},  // stream: on the 200 head of event:error
      {"[[fault:throttle]]", "1"},                    // none sent
      {"[[fault:throttle-retry]] [[retry-after:abc]]", "1"},  // garbage
      {"[[fault:throttle-retry]] [[retry-after:-5]]", "1"},
      {"[[fault:throttle-retry]] [[retry-after:0]]", "1"},
      {"[[fault:throttle-retry]] [[retry-after:99999999999]]", "3600"},  // bounded
      {"[[fault:throttle-retry]] [[retry-after:3600]]", "3600"},
  };
  for (const auto& c : cases) {
    for (const bool stream : {false, true}) {
      SCOPED_TRACE(c.prompt + (stream ? " stream" : " unary"));
      const auto reply = post(chat_body("qwen-turbo", "x " + c.prompt, stream));
      expect_error(reply, 429, "RATE_LIMITED", "请求频率超限");
      EXPECT_EQ(reply.retry_after, c.retry_after);
    }
  }
  // An HTTP-date counts from now (the mock and qgate share a clock; allow for the second ticking).
  const auto reply = post(chat_body(
      "qwen-turbo",
      "x [[fault:throttle-retry]] [[retry-after:" + http_date_in(std::chrono::seconds(30)) + "]]",
      false));
  expect_error(reply, 429, "RATE_LIMITED", "请求频率超限");
  ASSERT_FALSE(reply.retry_after.empty());
  EXPECT_GE(std::stoi(reply.retry_after), 28);
  EXPECT_LE(std::stoi(reply.retry_after), 30);
}

TEST(chat_upstream, unreachable_upstream_is_502_and_missing_key_is_401) {
  gateway unreachable("http://127.0.0.1:1");
  const auto refused = http_request("POST", unreachable.url("/api/llm/chat"),
                                    chat_body("qwen-turbo", "x", false), json_headers);
  EXPECT_EQ(refused.status, 502) << refused.body;
  EXPECT_NE(refused.body.find("百炼平台返回错误:"), std::string::npos);

  gateway_options options;
  options.with_api_key = false;
  gateway keyless("http://127.0.0.1:1", options);
  const auto unauthorized = http_request("POST", keyless.url("/api/llm/chat"),
                                         chat_body("qwen-turbo", "x", true), json_headers);
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_NE(unauthorized.body.find("未授权:API Key缺失或无效"), std::string::npos);
}

}  // namespace
}  // namespace qgate::testing
