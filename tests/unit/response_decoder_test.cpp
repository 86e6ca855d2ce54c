// Golden transcripts: what DashScope sends → what qgate's session receives.
#include "upstream/response_decoder.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;
using qgate::upstream::decoded;
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
            errc::unauthorized);
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
  EXPECT_EQ(std::get<error>(key.at(0)).code, errc::unauthorized);
  const auto busy =
      run(false, 503, R"({"code":"ModelUnavailable","message":"Model is unavailable"})", 4);
  EXPECT_EQ(std::get<error>(busy.at(0)).detail, "ModelUnavailable: Model is unavailable");
  const auto moderated = run(false, 400, R"({"code":"DataInspectionFailed","message":"x"})", 4);
  EXPECT_EQ(std::get<chat_completion>(moderated.at(0)).finish, finish_reason::content_filter);
  const auto garbage = run(false, 200, R"({"output": {"choices": [)", 4);
  EXPECT_EQ(std::get<error>(garbage.at(0)).code, errc::upstream_error);
  const auto not_json = run(false, 502, "<html>bad gateway</html>", 4);
  EXPECT_EQ(std::get<error>(not_json.at(0)).code, errc::upstream_error);
  const auto refused = run(false, 0, "", 0, {0, transfer_failure::connect_failed, "refused"});
  EXPECT_EQ(std::get<error>(refused.at(0)).code, errc::upstream_error);
  const auto slow = run(false, 0, "", 0, {0, transfer_failure::first_byte_timeout, {}});
  EXPECT_EQ(std::get<error>(slow.at(0)).code, errc::timeout);
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

}  // namespace
