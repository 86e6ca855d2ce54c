// The failover catalogue (docs/faults.md), row by row, for the upstream faults no other suite
// covers: what a client sees in both modes, with exact statuses, symbols, frames and [DONE].
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace qgate::testing {
namespace {

const std::vector<std::string> json_headers = {"Content-Type: application/json"};
constexpr std::string_view internal_message =
    "百炼平台返回错误:InternalError: An internal error has occured, please try again later or "
    "contact service support.";
constexpr std::string_view unavailable_message =
    "百炼平台返回错误:ModelUnavailable: Model is unavailable, please try again later.";

struct reply {
  long status = 0;
  std::string content_type;
  std::string body;
};

class fault_catalogue : public ::testing::Test {
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

  static reply post(std::string_view prompt, bool stream) {
    const auto response = http_request("POST", qgate_->url("/api/llm/chat"),
                                       chat_body("qwen-turbo", prompt, stream), json_headers);
    const auto type = response.headers.find("content-type");
    return {response.status, type == response.headers.end() ? "" : type->second, response.body};
  }

  // An ordinary HTTP error (non-stream, or a stream that failed before its first token).
  static void expect_http_error(const reply& r, long status, std::string_view symbol,
                                std::string_view message, bool prefix = false) {
    EXPECT_TRUE(r.content_type.starts_with("application/json")) << r.content_type;
    expect_error_envelope(r.status, r.body, status, symbol, message, prefix);
  }

  // A stream that began: content frames, one final error frame, then [DONE]; never a "stop".
  static void expect_final_error_frame(const reply& r, long status, std::string_view symbol,
                                       std::string_view message) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.content_type.starts_with("text/event-stream")) << r.content_type;
    EXPECT_EQ(r.body.find(R"("finish_reason":"stop")"), std::string::npos) << r.body;
    const auto payloads = sse_payloads(r.body);
    ASSERT_GE(payloads.size(), 3u) << r.body;  // at least one token, the error, [DONE]
    EXPECT_EQ(payloads.back(), "[DONE]");
    simdjson::dom::parser parser;
    simdjson::dom::element first;
    ASSERT_EQ(parser.parse(payloads.front()).get(first), simdjson::SUCCESS) << payloads.front();
    EXPECT_TRUE(first["finish_reason"].is_null()) << payloads.front();
    const auto& last = payloads[payloads.size() - 2];
    simdjson::dom::element frame;
    ASSERT_EQ(parser.parse(last).get(frame), simdjson::SUCCESS) << last;
    EXPECT_EQ(int64_t(frame["code"]), status);
    EXPECT_EQ(std::string_view(frame["error"]), symbol);
    EXPECT_EQ(std::string_view(frame["message"]), message);
    EXPECT_TRUE(frame["data"].is_null());
  }

  // A normal answer in either mode: the echo and finish_reason "stop".
  static void expect_answer(const reply& r, bool stream) {
    ASSERT_EQ(r.status, 200) << r.body;
    if (!stream) {
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      ASSERT_EQ(parser.parse(r.body).get(root), simdjson::SUCCESS) << r.body;
      EXPECT_EQ(std::string_view(root["data"]["finish_reason"]), "stop");
      EXPECT_TRUE(std::string_view(root["data"]["content"]).starts_with("mock:")) << r.body;
      return;
    }
    const auto payloads = sse_payloads(r.body);
    ASSERT_GE(payloads.size(), 2u) << r.body;
    EXPECT_EQ(payloads.back(), "[DONE]");
    EXPECT_NE(payloads[payloads.size() - 2].find(R"("finish_reason":"stop")"), std::string::npos)
        << r.body;
  }

  static mock_upstream* upstream_;
  static gateway* qgate_;
};

mock_upstream* fault_catalogue::upstream_ = nullptr;
gateway* fault_catalogue::qgate_ = nullptr;

// Before the first byte a 500 is retried: the client never sees a passing failure.
TEST_F(fault_catalogue, internal_error_once_is_hidden_by_a_retry) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const std::string prompt = std::string("once [[flaky:catalogue-") + (stream ? "s" : "u") + "]]";
    expect_answer(post(prompt, stream), stream);
    expect_answer(post(prompt, stream), stream);
  }
}

TEST_F(fault_catalogue, persistent_503_is_a_502_every_time) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    for (int attempt = 0; attempt < 3; ++attempt) {
      expect_http_error(post("x [[fault:unavailable]]", stream), 502, "UPSTREAM_ERROR",
                        unavailable_message);
    }
  }
}

// A flapping upstream (every other call a 503) is retried through: every call answers.
TEST_F(fault_catalogue, flapping_upstream_is_retried_through) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const std::string prompt = std::string("flap [[flap:catalogue-") + (stream ? "s" : "u") + "]]";
    for (int round = 0; round < 4; ++round) expect_answer(post(prompt, stream), stream);
  }
}

TEST_F(fault_catalogue, reset_before_headers_is_a_502) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    expect_http_error(post("x [[fault:reset]]", stream), 502, "UPSTREAM_ERROR",
                      "百炼平台返回错误:连接中断: ", true);
  }
}

TEST_F(fault_catalogue, no_response_is_a_504_after_the_first_byte_timeout) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    expect_http_error(post("x [[fault:no-response]]", stream), 504, "TIMEOUT", "请求超时");
  }
}

// The first byte within upstream.first_byte_timeout_ms (400 ms here) is only slow; past it, 504.
TEST_F(fault_catalogue, slow_first_token_is_answered_within_the_timeout_and_504_past_it) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    expect_answer(post("x [[first-byte:150]]", stream), stream);
    expect_http_error(post("x [[first-byte:1500]]", stream), 504, "TIMEOUT", "请求超时");
  }
}

// A stream that closes cleanly without its final event was cut: never a "stop".
TEST_F(fault_catalogue, stream_without_its_end_event_ends_in_a_502_frame) {
  expect_final_error_frame(post("abcdefgh [[fault:no-end]]", true), 502, "UPSTREAM_ERROR",
                           "百炼平台返回错误:上游响应在结束前中断");
  // A whole non-stream body has no end event to leave out: the mock answers normally.
  expect_answer(post("abcdefgh [[fault:no-end]]", false), false);
}

TEST_F(fault_catalogue, context_length_400_is_a_502_with_dashscope_message) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    expect_http_error(
        post("x [[fault:context-length]]", stream), 502, "UPSTREAM_ERROR",
        "百炼平台返回错误:InvalidParameter: Range of input length should be [1, 129024]");
  }
}

TEST_F(fault_catalogue, stream_cut_mid_answer_ends_in_a_502_frame) {
  expect_final_error_frame(post("abcdefgh [[fault:drop-mid]]", true), 502, "UPSTREAM_ERROR",
                           "百炼平台返回错误:连接中断: Transferred a partial file");
  expect_http_error(post("abcdefgh [[fault:drop-mid]]", false), 502, "UPSTREAM_ERROR",
                    "百炼平台返回错误:连接中断: ", true);
}

TEST_F(fault_catalogue, stall_mid_answer_ends_in_a_504_frame) {
  expect_final_error_frame(post("abcdefgh [[fault:stall-mid]]", true), 504, "TIMEOUT", "请求超时");
  expect_http_error(post("abcdefgh [[fault:stall-mid]]", false), 504, "TIMEOUT", "请求超时");
}

}  // namespace
}  // namespace qgate::testing
