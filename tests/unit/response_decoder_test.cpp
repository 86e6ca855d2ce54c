// Golden transcripts: what DashScope sends → what qgate's session receives.
#include "upstream/response_decoder.hpp"

#include "messages/error_mapping.hpp"
#include "messages/untrusted_text.hpp"
#include "messages/utf8.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;
using qgate::upstream::decoded;
using qgate::upstream::max_error_code_bytes;
using qgate::upstream::max_error_message_bytes;
using qgate::upstream::non_json_error_message;
using qgate::upstream::parse_error_body;
using qgate::upstream::response_decoder;
using qgate::upstream::transfer_failure;
using qgate::upstream::transfer_outcome;

std::string event(int id, std::string_view content, std::string_view finish, int output_tokens) {
  return "id:" + std::to_string(id) + "\nevent:result\n:HTTP_STATUS/200\ndata:" +
         R"({"output":{"choices":[{"message":{"content":")" + std::string(content) +
         R"(","role":"assistant"},"index":0,"finish_reason":")" + std::string(finish) +
         R"("}]},"usage":{"total_tokens":)" + std::to_string(10 + output_tokens) +
         R"(,"output_tokens":)" + std::to_string(output_tokens) +
         R"(,"input_tokens":10},"request_id":"r"})" + "\n\n";
}

std::vector<decoded> run(bool stream, long status, const std::string& body, std::size_t cut,
                         transfer_outcome end = {}) {
  response_decoder decoder(stream);
  std::vector<decoded> out;
  decoder.on_status(status);
  decoder.on_bytes(std::string_view(body).substr(0, cut), out);
  decoder.on_bytes(std::string_view(body).substr(cut), out);
  end.http_status = status;
  decoder.on_end(end, out);
  return out;
}

std::string joined_content(const std::vector<decoded>& out) {
  std::string text;
  for (const auto& value : out) {
    if (const auto* delta = std::get_if<chat_delta>(&value)) text += delta->content;
  }
  return text;
}

TEST(response_decoder, stream_golden_split_everywhere) {
  const std::string body =
      event(1, "你好", "null", 1) + event(2, "!", "null", 2) + event(3, "", "stop", 2);
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto out = run(true, 200, body, cut);
    ASSERT_EQ(out.size(), 3u) << cut;
    EXPECT_EQ(joined_content(out), "你好!");
    const auto& last = std::get<chat_delta>(out.back());
    ASSERT_TRUE(last.finish.has_value());
    EXPECT_EQ(*last.finish, finish_reason::stop);
    EXPECT_EQ(last.usage.input_tokens, 10);
    EXPECT_EQ(last.usage.output_tokens, 2);
    EXPECT_EQ(last.usage.total_tokens, 12);
    EXPECT_FALSE(std::get<chat_delta>(out.front()).finish.has_value());
  }
}

TEST(response_decoder, text_result_format_and_length) {
  const std::string body =
      "id:1\nevent:result\n:HTTP_STATUS/"
      "200\ndata:{\"output\":{\"finish_reason\":\"length\",\"text\":\"1+\"},"
      "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}\n\n";
  const auto out = run(true, 200, body, 7);
  ASSERT_EQ(out.size(), 1u);
  const auto& delta = std::get<chat_delta>(out[0]);
  EXPECT_EQ(delta.content, "1+");
  EXPECT_EQ(*delta.finish, finish_reason::length);
  EXPECT_EQ(delta.usage.total_tokens, 4);
}

TEST(response_decoder, cut_stream_is_never_a_normal_stop) {
  const std::string body = event(1, "half", "null", 1);
  const auto out = run(true, 200, body, 5, {0, transfer_failure::network, "reset"});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<error>(out.back()).code, errc::upstream_error);
  const auto clean_close = run(true, 200, body, 5);
  EXPECT_EQ(std::get<error>(clean_close.back()).code, errc::upstream_error);
  const auto stalled = run(true, 200, body, 5, {0, transfer_failure::idle_timeout, {}});
  EXPECT_EQ(std::get<error>(stalled.back()).code, errc::timeout);
}

TEST(response_decoder, stream_error_events) {
  const auto frame = [](int status, std::string_view code) {
    return "id:1\nevent:error\n:HTTP_STATUS/" + std::to_string(status) + "\ndata:{\"code\":\"" +
           std::string(code) + "\",\"message\":\"m\",\"request_id\":\"r\"}\n\n";
  };
  EXPECT_EQ(std::get<error>(run(true, 200, frame(401, "InvalidApiKey"), 3)[0]).code,
            errc::upstream_unauthorized);
  EXPECT_EQ(std::get<error>(run(true, 200, frame(429, "Throttling.RateQuota"), 3)[0]).code,
            errc::rate_limited);
  const auto internal = std::get<error>(run(true, 200, frame(500, "InternalError"), 3)[0]);
  EXPECT_EQ(internal.code, errc::upstream_error);
  EXPECT_EQ(internal.detail, "InternalError: m");
  const auto filtered =
      run(true, 200, event(1, "ok", "null", 1) + frame(400, "DataInspectionFailed"), 9);
  ASSERT_EQ(filtered.size(), 2u);
  EXPECT_EQ(*std::get<chat_delta>(filtered[1]).finish, finish_reason::content_filter);
  EXPECT_EQ(std::get<chat_delta>(filtered[1]).usage.output_tokens, 1);
}

TEST(response_decoder, unary_message_and_errors) {
  const std::string ok =
      R"({"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"hi \"x\""}}]},"usage":{"total_tokens":34,"output_tokens":9,"input_tokens":25},"request_id":"r"})";
  const auto out = run(false, 200, ok, 10);
  const auto& completion = std::get<chat_completion>(out.at(0));
  EXPECT_EQ(completion.content, "hi \"x\"");
  EXPECT_EQ(completion.usage.total_tokens, 34);
  const auto key =
      run(false, 401, R"({"code":"InvalidApiKey","message":"Invalid API-key provided."})", 4);
  EXPECT_EQ(std::get<error>(key.at(0)).code, errc::upstream_unauthorized);
  const auto busy =
      run(false, 503, R"({"code":"ModelUnavailable","message":"Model is unavailable"})", 4);
  EXPECT_EQ(std::get<error>(busy.at(0)).detail, "ModelUnavailable: Model is unavailable");
  const auto moderated = run(false, 400, R"({"code":"DataInspectionFailed","message":"x"})", 4);
  EXPECT_EQ(std::get<chat_completion>(moderated.at(0)).finish, finish_reason::content_filter);
  const auto garbage = run(false, 200, R"({"output": {"choices": [)", 4);
  EXPECT_EQ(std::get<error>(garbage.at(0)).code, errc::upstream_error);
  const auto not_json = run(false, 502, "<html>bad gateway</html>", 4);
  EXPECT_EQ(std::get<error>(not_json.at(0)).code, errc::upstream_error);
  EXPECT_EQ(std::get<error>(not_json.at(0)).detail, "HTTP 502: 上游返回了非 JSON 的错误响应");
  const auto refused = run(false, 0, "", 0, {0, transfer_failure::connect_failed, "refused"});
  EXPECT_EQ(std::get<error>(refused.at(0)).code, errc::upstream_error);
  const auto slow = run(false, 0, "", 0, {0, transfer_failure::first_byte_timeout, {}});
  EXPECT_EQ(std::get<error>(slow.at(0)).code, errc::timeout);
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

bool one_line(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return text.find("\xE2\x80\xA8") == std::string_view::npos;
}

TEST(parse_error_body, keeps_only_code_and_message_on_one_line) {
  const auto body = parse_error_body(
      R"({"code":"InternalError","message":"Request headers as received:\nHost: x\r\nX-Evil: a\u2028b\n","request_id":"r","debug":"<script>"})");
  EXPECT_EQ(body.code, "InternalError");
  EXPECT_EQ(body.message, "Request headers as received: Host: x X-Evil: a b");
  const auto compatible = parse_error_body(
      R"({"error":{"message":"Incorrect API key provided. ","type":"invalid_request_error","param":null,"code":"invalid_api_key"},"request_id":"d4"})");
  EXPECT_EQ(compatible.code, "invalid_api_key");
  EXPECT_EQ(compatible.message, "Incorrect API key provided.");
  const auto typed = parse_error_body(R"({"code":42,"message":["not","text"]})");
  EXPECT_EQ(typed.code, "");
  EXPECT_EQ(typed.message, "");
  EXPECT_EQ(parse_error_body(R"(["code","message"])").message, "");
}

TEST(parse_error_body, bounds_code_and_message_on_code_point_boundaries) {
  const std::string long_code(300, 'X');
  std::string long_message;
  for (int i = 0; i < 200; ++i) long_message += "你";  // 600 bytes of 3-byte code points
  const auto body =
      parse_error_body(R"({"code":")" + long_code + R"(","message":")" + long_message + "\"}");
  EXPECT_LE(body.code.size(), max_error_code_bytes);
  EXPECT_TRUE(body.code.ends_with(truncation_mark));
  EXPECT_LE(body.message.size(), max_error_message_bytes);
  EXPECT_TRUE(body.message.ends_with(truncation_mark));
  EXPECT_TRUE(valid_utf8(body.message));
  const auto detail = upstream::classify_upstream_error(500, body).detail;
  EXPECT_LE(detail.size(), max_error_code_bytes + 2 + max_error_message_bytes);
}

TEST(parse_error_body, a_body_that_is_not_json_becomes_a_generic_message) {
  for (const std::string& body :
       {std::string("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>"),
        std::string("upstream connect error or disconnect/reset before headers"),
        std::string(R"({"code":"InternalError","message":"cut)"),
        std::string("{\"code\":\"X\",\"message\":\"bad \xff utf8\"}"), std::string()}) {
    SCOPED_TRACE(body);
    const auto parsed = parse_error_body(body);
    EXPECT_EQ(parsed.code, "");
    EXPECT_EQ(parsed.message, non_json_error_message);
  }
  const auto err = upstream::classify_upstream_error(502, parse_error_body("<html>x</html>"));
  EXPECT_EQ(err.code, errc::upstream_error);
  EXPECT_EQ(map_error(err).message, "百炼平台返回错误:HTTP 502: 上游返回了非 JSON 的错误响应");
}

TEST(parse_error_body, reads_the_data_line_of_an_sse_error_frame) {
  const auto body = parse_error_body(
      "id:1\nevent:error\n:HTTP_STATUS/400\ndata:{\"code\":\"InvalidParameter\",\"message\":"
      "\"a\\u2028b\\u0085c\"}\n\n");
  EXPECT_EQ(body.code, "InvalidParameter");
  EXPECT_EQ(body.message, "a b c");
}

// A hostile error event is cleaned the same way wherever the bytes are split.
TEST(response_decoder, hostile_stream_error_event_split_everywhere) {
  const std::string code = "Bad\\n[2026-01-01 00:00:00.000] [error] forged" + std::string(100, 'C');
  const std::string frame =
      event(1, "ok", "null", 1) + "id:2\nevent:error\n:HTTP_STATUS/500\ndata:{\"code\":\"" + code +
      R"(","message":"echo:\nAuthorization: Bearer sk-secret-key-value\n\u0000end","request_id":"r"})" +
      "\n\n";
  std::string expected;
  for (std::size_t cut = 0; cut <= frame.size(); ++cut) {
    const auto out = run(true, 200, frame, cut);
    ASSERT_EQ(out.size(), 2u) << cut;
    const auto& err = std::get<error>(out[1]);
    EXPECT_EQ(err.code, errc::upstream_error);
    EXPECT_TRUE(one_line(err.detail)) << err.detail;
    EXPECT_TRUE(valid_utf8(err.detail));
    EXPECT_LE(err.detail.size(), max_error_code_bytes + 2 + max_error_message_bytes);
    if (expected.empty()) expected = err.detail;
    EXPECT_EQ(err.detail, expected) << cut;
  }
  EXPECT_TRUE(expected.starts_with("Bad [2026-01-01 00:00:00.000] [error] forgedCCC")) << expected;
  EXPECT_TRUE(expected.ends_with(": echo: Authorization: Bearer sk-secret-key-value end"))
      << expected;
}

TEST(response_decoder, stream_request_answered_with_json_becomes_one_final_delta) {
  const std::string body =
      R"( {"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"whole"}}]},"usage":{"input_tokens":2,"output_tokens":1}})";
  for (std::size_t cut = 0; cut <= body.size(); cut += 7) {
    const auto out = run(true, 200, body, cut);
    ASSERT_EQ(out.size(), 1u);
    const auto& delta = std::get<chat_delta>(out[0]);
    EXPECT_EQ(delta.content, "whole");
    EXPECT_EQ(*delta.finish, finish_reason::stop);
    EXPECT_EQ(delta.usage.total_tokens, 3);
  }
}

// A stream event of the message format with one tool-call fragment (the protocol notes' capture).
std::string tool_event(int id, std::string_view fragment, std::string_view finish) {
  return "id:" + std::to_string(id) + "\nevent:result\n:HTTP_STATUS/200\ndata:" +
         R"({"output":{"choices":[{"message":{"content":"","tool_calls":[)" +
         std::string(fragment) + R"(],"role":"assistant"},"index":0,"finish_reason":")" +
         std::string(finish) +
         R"("}]},"usage":{"total_tokens":20,"output_tokens":4,"input_tokens":16,)"
         R"("prompt_tokens_details":{"cached_tokens":6}},"request_id":"r"})" +
         "\n\n";
}

TEST(response_decoder, tool_call_fragments_split_everywhere) {
  const std::string body =
      tool_event(
          1,
          R"({"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"q\": \""}})",
          "null") +
      tool_event(2, R"({"index":0,"id":"","type":"function","function":{"arguments":"杭州\"}"}})",
                 "null") +
      tool_event(
          3,
          R"({"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}})",
          "tool_calls");
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto out = run(true, 200, body, cut);
    ASSERT_EQ(out.size(), 3u) << cut;
    const auto& first = std::get<chat_delta>(out[0]);
    ASSERT_EQ(first.tool_calls.size(), 1u);
    EXPECT_EQ(first.tool_calls[0].index, 0);
    EXPECT_EQ(first.tool_calls[0].id, "call_a");
    EXPECT_EQ(first.tool_calls[0].name, "get_weather");
    EXPECT_EQ(first.tool_calls[0].arguments, R"({"q": ")");
    const auto& second = std::get<chat_delta>(out[1]);
    EXPECT_EQ(second.tool_calls.at(0).id, "");
    EXPECT_EQ(second.tool_calls.at(0).name, "");
    EXPECT_EQ(second.tool_calls.at(0).arguments, "杭州\"}");
    const auto& last = std::get<chat_delta>(out[2]);
    EXPECT_EQ(last.tool_calls.at(0).index, 1);
    EXPECT_EQ(*last.finish, finish_reason::tool_calls);
    EXPECT_EQ(last.usage.cached_tokens, 6);
  }
}

TEST(response_decoder, reasoning_content_and_reasoning_tokens) {
  const std::string body =
      "id:1\nevent:result\n:HTTP_STATUS/200\ndata:"
      R"({"output":{"choices":[{"message":{"content":"","reasoning_content":"想","role":"assistant"},"index":0,"finish_reason":"null"}]},"usage":{"total_tokens":11,"output_tokens":1,"input_tokens":10}})"
      "\n\nid:2\nevent:result\n:HTTP_STATUS/200\ndata:"
      R"({"output":{"choices":[{"message":{"content":"答","reasoning_content":"","role":"assistant"},"index":0,"finish_reason":"stop"}]},"usage":{"total_tokens":12,"output_tokens":2,"input_tokens":10,"output_tokens_details":{"reasoning_tokens":1}}})"
      "\n\n";
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto out = run(true, 200, body, cut);
    ASSERT_EQ(out.size(), 2u) << cut;
    EXPECT_EQ(std::get<chat_delta>(out[0]).reasoning_content, "想");
    EXPECT_EQ(std::get<chat_delta>(out[0]).content, "");
    EXPECT_EQ(std::get<chat_delta>(out[1]).content, "答");
    EXPECT_EQ(std::get<chat_delta>(out[1]).usage.reasoning_tokens, 1);
  }
}

TEST(response_decoder, unary_tool_calls_are_whole_calls) {
  // The capture: a tool call answered with finish_reason "stop" and content "".
  const std::string body =
      R"({"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant","tool_calls":[{"function":{"name":"get_current_weather","arguments":"{\"location\": \"浙江省杭州市\"}"},"index":0,"id":"call_cec4c19d27624537b583af","type":"function"}],"content":""}}]},"usage":{"total_tokens":219,"output_tokens":8,"input_tokens":211},"request_id":"r"})";
  const auto out = run(false, 200, body, 17);
  const auto& completion = std::get<chat_completion>(out.at(0));
  EXPECT_EQ(completion.content, "");
  EXPECT_EQ(completion.finish, finish_reason::stop);
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0].id, "call_cec4c19d27624537b583af");
  EXPECT_EQ(completion.tool_calls[0].name, "get_current_weather");
  EXPECT_EQ(completion.tool_calls[0].arguments, R"({"location": "浙江省杭州市"})");
  const auto bad = run(
      false, 200,
      R"({"output":{"choices":[{"finish_reason":"stop","message":{"content":"","tool_calls":[{"index":100000}]}}]}})",
      5);
  EXPECT_EQ(std::get<error>(bad.at(0)).code, errc::upstream_error);
}

}  // namespace
