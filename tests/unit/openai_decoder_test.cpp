// What only OpenAI-compatible servers do (the shared behaviour is in provider_suite_test): streams
// without usage or [DONE], vLLM's and Ollama's error shapes, OpenAI's own content_filter, and
// hostile error events, each split at every byte offset.
#include "upstream/openai_decoder.hpp"
#include "messages/untrusted_text.hpp"
#include "openai_wire.hpp"
#include "upstream/upstream_error.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;
using upstream::decoded;
using upstream::openai_decoder;
using upstream::transfer_failure;
using upstream::transfer_outcome;
using wire = provider_wire::openai;

std::vector<decoded> run(bool stream, long status, std::string_view body, std::size_t cut,
                         transfer_outcome end = {}) {
  openai_decoder decoder(stream);
  std::vector<decoded> out;
  decoder.on_status(status);
  decoder.on_bytes(body.substr(0, cut), out);
  decoder.on_bytes(body.substr(cut), out);
  end.http_status = status;
  decoder.on_end(end, out);
  EXPECT_TRUE(decoder.finished());
  return out;
}

// Runs `check` on the values of every split of `body`.
template <class Check>
void everywhere(bool stream, long status, const std::string& body, Check check,
                transfer_outcome end = {}) {
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    SCOPED_TRACE("split at byte " + std::to_string(cut));
    check(run(stream, status, body, cut, end));
  }
}

const chat_delta& last_delta(const std::vector<decoded>& out) {
  return std::get<chat_delta>(out.back());
}

TEST(openai_decoder, a_server_without_include_usage_or_done_ends_at_the_close) {
  const std::string body =
      wire::role() + wire::chunk(R"("content":"hi")") + wire::chunk(R"("content":"")", R"("stop")");
  everywhere(true, 200, body + wire::done(), [](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(*last_delta(out).finish, finish_reason::stop);
    EXPECT_EQ(last_delta(out).usage.total_tokens, 0);
  });
  everywhere(true, 200, body, [](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(*last_delta(out).finish, finish_reason::stop);
  });
}

TEST(openai_decoder, after_a_finish_reason_a_lost_trailer_still_ends_the_answer) {
  const std::string body = wire::chunk(R"("content":"hi")", R"("length")");
  const auto out = run(true, 200, body, 3, {0, transfer_failure::idle_timeout, {}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(last_delta(out).content, "hi");
  EXPECT_EQ(*last_delta(out).finish, finish_reason::length);
}

TEST(openai_decoder, done_before_any_finish_reason_is_a_failure) {
  everywhere(true, 200, wire::chunk(R"("content":"half")") + wire::done(),
             [](const std::vector<decoded>& out) {
               ASSERT_EQ(out.size(), 2u);
               EXPECT_EQ(std::get<error>(out[1]).code, errc::upstream_error);
             });
}

TEST(openai_decoder, usage_in_the_finishing_chunk_and_output_after_it) {
  // Some servers put usage on the finishing chunk; others split the last output after it.
  const std::string body =
      wire::chunk(R"("content":"a")", R"("stop")") + wire::chunk(R"("content":"b")") +
      R"(data: {"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":2}})" + "\n\n" +
      wire::done();
  everywhere(true, 200, body, [](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(last_delta(out).content, "ab");
    EXPECT_EQ(last_delta(out).usage.total_tokens, 6);
  });
}

TEST(openai_decoder, openai_content_filter_finish_and_reasoning_alias) {
  const std::string body = ": keep-alive\n\n" + wire::chunk(R"("reasoning":"hmm")") +
                           wire::chunk(R"("content":"x")", R"("content_filter")") + wire::done();
  everywhere(true, 200, body, [](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(std::get<chat_delta>(out[0]).reasoning_content, "hmm");
    EXPECT_EQ(*last_delta(out).finish, finish_reason::content_filter);
  });
  const auto unary = run(false, 200, wire::answer(R"("content":"")", "content_filter", {1, 0}), 9);
  EXPECT_EQ(std::get<chat_completion>(unary.at(0)).finish, finish_reason::content_filter);
}

TEST(openai_decoder, vllm_states_the_status_as_a_number) {
  const std::string body =
      wire::chunk(R"("content":"ok")") +
      R"(data: {"error":{"object":"error","message":"bad","type":"BadRequestError","param":null,"code":400}})" +
      "\n\n";
  everywhere(true, 200, body, [](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 2u);
    const auto& err = std::get<error>(out[1]);
    EXPECT_EQ(err.code, errc::upstream_error);
    EXPECT_EQ(err.upstream_status, 400);
    EXPECT_EQ(err.detail, "HTTP 400: bad");
  });
  const auto old = run(false, 400, R"({"object":"error","message":"m","code":400})", 5);
  EXPECT_EQ(std::get<error>(old.at(0)).upstream_status, 400);
}

TEST(openai_decoder, error_shapes_of_other_servers) {
  const auto ollama = run(false, 404, R"({"error":"model \"qwen3\" not found"})", 3);
  EXPECT_EQ(std::get<error>(ollama.at(0)).detail, R"(HTTP 404: model "qwen3" not found)");
  const auto flat = run(true, 429, R"({"code":"Throttling","message":"slow down"})", 3);
  EXPECT_EQ(std::get<error>(flat.at(0)).code, errc::rate_limited);
  const auto in_200 = run(false, 200, R"({"error":{"message":"boom","code":"internal_error"}})", 3);
  EXPECT_EQ(std::get<error>(in_200.at(0)).upstream_status, 500);
  const auto moderated =
      run(true, 200, R"({"error":{"message":"m","code":"data_inspection_failed"}})", 3);
  EXPECT_EQ(*last_delta(moderated).finish, finish_reason::content_filter);
}

TEST(openai_decoder, hostile_error_event_split_everywhere) {
  const std::string body =
      wire::chunk(R"("content":"ok")") + R"(data: {"error":{"code":"Bad\n[error] forged)" +
      std::string(100, 'C') +
      R"(","message":"echo:\nAuthorization: Bearer sk-secret\n\u0000\u2028end"}})" + "\n\n";
  std::string first;
  everywhere(true, 200, body, [&](const std::vector<decoded>& out) {
    ASSERT_EQ(out.size(), 2u);
    const auto& detail = std::get<error>(out[1]).detail;
    for (const char c : detail) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    EXPECT_LE(detail.size(),
              upstream::max_error_code_bytes + 2 + upstream::max_error_message_bytes);
    if (first.empty()) first = detail;
    EXPECT_EQ(detail, first);
  });
  EXPECT_TRUE(first.starts_with("Bad [error] forgedCCC")) << first;
  EXPECT_TRUE(first.ends_with(": echo: Authorization: Bearer sk-secret end")) << first;
}

TEST(openai_decoder, garbage_and_oversized_input_end_in_one_error) {
  const auto junk = run(true, 200, "data: {not json}\n\n", 4);
  ASSERT_EQ(junk.size(), 1u);
  EXPECT_EQ(std::get<error>(junk[0]).code, errc::upstream_error);
  const auto no_choices = run(false, 200, R"({"object":"chat.completion"})", 4);
  EXPECT_EQ(std::get<error>(no_choices.at(0)).code, errc::upstream_error);
  const auto bad_index = run(
      true, 200, wire::chunk(R"("tool_calls":[{"index":100000,"function":{"arguments":"x"}}])"), 4);
  EXPECT_EQ(std::get<error>(bad_index.at(0)).code, errc::upstream_error);
  openai_decoder decoder(true);
  std::vector<decoded> out;
  decoder.on_status(200);
  decoder.on_bytes("data: \"", out);
  const std::string huge(upstream::sse_decoder::default_max_event_bytes, 'x');
  decoder.on_bytes(huge, out);
  decoder.on_end({}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<error>(out[0]).detail, "上游事件过大");
}

}  // namespace
