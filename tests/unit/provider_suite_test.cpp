// The one provider suite (TensorZero's and Bifrost's pattern): every scenario is written as the
// bytes each provider sends (dashscope_wire.hpp, openai_wire.hpp), decoded through make_decoder
// with the input split at every byte offset and fed byte by byte, and must give the same chat
// values for every provider.
#include "dashscope_wire.hpp"
#include "openai_wire.hpp"
#include "upstream/provider.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace qgate;
using namespace qgate::provider_wire;
using upstream::decoded;
using upstream::transfer_failure;
using upstream::transfer_outcome;

std::string describe(const token_usage& usage) {
  return "usage{" + std::to_string(usage.input_tokens) + "," + std::to_string(usage.output_tokens) +
         "," + std::to_string(usage.total_tokens) +
         ",cached=" + std::to_string(usage.cached_tokens) +
         ",reasoning=" + std::to_string(usage.reasoning_tokens) + "}";
}

// Every field the session reads. A step's usage only counts on the last step: DashScope reports
// running totals on every step, OpenAI-compatible servers only at the end.
std::string describe(const decoded& value) {
  if (const auto* delta = std::get_if<chat_delta>(&value)) {
    std::string text =
        "delta{'" + delta->content + "' reasoning='" + delta->reasoning_content + "'";
    for (const auto& call : delta->tool_calls) {
      text += " call[" + std::to_string(call.index) + " '" + call.id + "' '" + call.name + "' '" +
              call.arguments + "']";
    }
    if (delta->finish) {
      text += " finish=" + std::string(to_string(*delta->finish)) + " " + describe(delta->usage);
    }
    return text + "}";
  }
  if (const auto* completion = std::get_if<chat_completion>(&value)) {
    std::string text = "completion{'" + completion->content + "' reasoning='" +
                       completion->reasoning_content + "'";
    for (const auto& call : completion->tool_calls) {
      text += " call['" + call.id + "' '" + call.name + "' '" + call.arguments + "']";
    }
    return text + " finish=" + std::string(to_string(completion->finish)) + " " +
           describe(completion->usage) + "}";
  }
  const auto& err = std::get<error>(value);
  return "error{errc=" + std::to_string(static_cast<int>(err.code)) +
         " status=" + std::to_string(err.upstream_status) + " '" + err.detail + "'}";
}

std::vector<std::string> describe(const std::vector<decoded>& values) {
  std::vector<std::string> lines;
  for (const auto& value : values) lines.push_back(describe(value));
  return lines;
}

std::vector<decoded> run(upstream::provider_kind kind, bool stream, const transcript& wire,
                         const std::vector<std::string_view>& pieces) {
  auto decoder = upstream::make_decoder(kind, stream);
  std::vector<decoded> out;
  decoder->on_status(wire.status);
  for (const auto piece : pieces) decoder->on_bytes(piece, out);
  auto end = wire.end;
  end.http_status = wire.status;
  decoder->on_end(end, out);
  EXPECT_TRUE(decoder->finished());
  return out;
}

// The same values wherever the bytes are split, and fed one byte at a time.
void expect_everywhere(upstream::provider_kind kind, bool stream, const transcript& wire,
                       const std::vector<decoded>& expected) {
  const auto want = describe(expected);
  const std::string_view body = wire.body;
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    const auto got = describe(run(kind, stream, wire, {body.substr(0, cut), body.substr(cut)}));
    ASSERT_EQ(got, want) << "split at byte " << cut;
  }
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < body.size(); ++i) bytes.push_back(body.substr(i, 1));
  ASSERT_EQ(describe(run(kind, stream, wire, bytes)), want) << "byte by byte";
}

decoded step(std::string content, std::string reasoning = {},
             std::vector<tool_call_delta> calls = {}) {
  chat_delta delta(std::move(content), std::nullopt);
  delta.reasoning_content = std::move(reasoning);
  delta.tool_calls = std::move(calls);
  return delta;
}

token_usage used(std::int64_t input, std::int64_t output, std::int64_t cached = 0,
                 std::int64_t reasoning = 0) {
  token_usage usage(input, output, input + output);
  usage.cached_tokens = cached;
  usage.reasoning_tokens = reasoning;
  return usage;
}

decoded last(std::string content, finish_reason reason, token_usage usage) {
  return chat_delta(std::move(content), reason, usage);
}

decoded failure(errc code, long upstream_status, std::string detail) {
  error err = make_error(code, std::move(detail));
  err.upstream_status = upstream_status;
  return err;
}

template <class Wire>
class provider_suite : public ::testing::Test {};

struct wire_name {
  template <class Wire>
  static std::string GetName(int) {
    return std::string(Wire::name);
  }
};

using providers = ::testing::Types<provider_wire::dashscope, provider_wire::openai>;
TYPED_TEST_SUITE(provider_suite, providers, wire_name);

TYPED_TEST(provider_suite, plain_text_stream) {
  expect_everywhere(TypeParam::kind, true, TypeParam::text_stream(),
                    {step("你好"), step("!"), last("", finish_reason::stop, used(10, 2))});
}

TYPED_TEST(provider_suite, non_stream_answer) {
  chat_completion whole("hi \"x\"\n", finish_reason::stop, used(25, 9));
  expect_everywhere(TypeParam::kind, false, TypeParam::unary(R"("hi \"x\"\n")", "stop", {25, 9}),
                    {whole});
}

TYPED_TEST(provider_suite, length) {
  expect_everywhere(TypeParam::kind, true, TypeParam::length_stream(),
                    {step("1+"), last("", finish_reason::length, used(3, 1))});
  expect_everywhere(TypeParam::kind, false, TypeParam::unary(R"("1+")", "length", {3, 1}),
                    {chat_completion("1+", finish_reason::length, used(3, 1))});
}

TYPED_TEST(provider_suite, tool_call_as_a_whole_call) {
  chat_completion whole("", finish_reason::tool_calls, used(211, 8));
  whole.tool_calls = {{"call_a", "get_weather", R"({"q": "杭州"})"}};
  expect_everywhere(TypeParam::kind, false, TypeParam::tool_call_unary(), {whole});
}

TYPED_TEST(provider_suite, parallel_tool_call_fragments) {
  expect_everywhere(
      TypeParam::kind, true, TypeParam::parallel_tool_stream(),
      {step("", "", {{0, "call_a", "get_weather", R"({"q": ")"}}),
       step("", "", {{0, "", "", R"(杭州"})"}}), step("", "", {{1, "call_b", "get_time", "{}"}}),
       last("", finish_reason::tool_calls, used(16, 4, 6))});
}

TYPED_TEST(provider_suite, reasoning_then_answer) {
  expect_everywhere(TypeParam::kind, true, TypeParam::reasoning_stream(),
                    {step("", "想"), step("答"), last("", finish_reason::stop, used(10, 2, 0, 1))});
}

TYPED_TEST(provider_suite, usage_with_cached_and_reasoning_tokens) {
  chat_completion whole("答", finish_reason::stop, used(3019, 104, 2048, 30));
  expect_everywhere(TypeParam::kind, false,
                    TypeParam::unary(R"("答")", "stop", {3019, 104, 2048, 30}), {whole});
}

TYPED_TEST(provider_suite, content_filter_before_output) {
  expect_everywhere(TypeParam::kind, true, TypeParam::filtered_before_output(true),
                    {last("", finish_reason::content_filter, {})});
  chat_completion filtered;
  filtered.finish = finish_reason::content_filter;
  expect_everywhere(TypeParam::kind, false, TypeParam::filtered_before_output(false), {filtered});
}

TYPED_TEST(provider_suite, content_filter_mid_stream_keeps_what_came_before) {
  // The usage is what the upstream had reported when it stopped: DashScope's running total.
  const token_usage so_far = TypeParam::running_usage ? used(10, 1) : token_usage{};
  expect_everywhere(TypeParam::kind, true, TypeParam::filtered_mid_stream(),
                    {step("ok"), last("", finish_reason::content_filter, so_far)});
}

TYPED_TEST(provider_suite, refusals_401_429_500) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const auto key = TypeParam::refused(refusal::unauthorized, stream);
    expect_everywhere(TypeParam::kind, stream, key,
                      {failure(errc::upstream_unauthorized, 0, key.detail)});
    const auto busy = TypeParam::refused(refusal::throttled, stream);
    expect_everywhere(TypeParam::kind, stream, busy, {failure(errc::rate_limited, 0, busy.detail)});
    const auto broken = TypeParam::refused(refusal::internal, stream);
    expect_everywhere(TypeParam::kind, stream, broken,
                      {failure(errc::upstream_error, 500, broken.detail)});
  }
}

TYPED_TEST(provider_suite, error_mid_stream) {
  const auto failed = TypeParam::failed_mid_stream();
  expect_everywhere(TypeParam::kind, true, failed,
                    {step("ok"), failure(errc::upstream_error, 500, failed.detail)});
  const auto throttled = TypeParam::throttled_mid_stream();
  expect_everywhere(TypeParam::kind, true, throttled,
                    {step("ok"), failure(errc::rate_limited, 0, throttled.detail)});
}

TYPED_TEST(provider_suite, cut_stream_is_never_a_normal_stop) {
  expect_everywhere(TypeParam::kind, true,
                    TypeParam::cut_stream({0, transfer_failure::network, "reset"}),
                    {step("half"), failure(errc::upstream_error, 0, "连接中断: reset")});
  expect_everywhere(TypeParam::kind, true, TypeParam::cut_stream({}),
                    {step("half"), failure(errc::upstream_error, 0, "上游响应在结束前中断")});
  expect_everywhere(TypeParam::kind, true,
                    TypeParam::cut_stream({0, transfer_failure::idle_timeout, {}}),
                    {step("half"), failure(errc::timeout, 0, "upstream idle timeout")});
}

TYPED_TEST(provider_suite, stream_request_answered_with_json) {
  expect_everywhere(TypeParam::kind, true, TypeParam::stream_answered_with_json(),
                    {last("whole", finish_reason::stop, used(2, 1))});
}

TYPED_TEST(provider_suite, no_answer_and_unreadable_answers) {
  for (const bool stream : {false, true}) {
    const transcript refused{0, "", {0, transfer_failure::connect_failed, "refused"}};
    expect_everywhere(TypeParam::kind, stream, refused,
                      {failure(errc::upstream_error, 0, "连接失败: refused")});
    const transcript slow{0, "", {0, transfer_failure::first_byte_timeout, {}}};
    expect_everywhere(TypeParam::kind, stream, slow,
                      {failure(errc::timeout, 0, "upstream first byte timeout")});
    const transcript proxy{502, "<html>\r\n<title>502 Bad Gateway</title>\r\n</html>"};
    expect_everywhere(
        TypeParam::kind, stream, proxy,
        {failure(errc::upstream_error, 502, "HTTP 502: 上游返回了非 JSON 的错误响应")});
  }
  const transcript cut_json{200, R"({"choices": [)"};
  expect_everywhere(TypeParam::kind, false, cut_json,
                    {failure(errc::upstream_error, 0, "无法解析的上游响应 (invalid JSON body)")});
}

}  // namespace
