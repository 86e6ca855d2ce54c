// loadgen's SSE frame accounting: fed whole and split at every byte offset, it must count the
// same frames; lost, malformed and [DONE] cases and the usage reported, for the native dialects
// (OpenAI's is in loadgen_openai_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "tools/loadgen/sse_accounting.hpp"

namespace qgate::loadgen {
namespace {

const std::string good_gateway =
    "data: {\"content\":\"你\",\"finish_reason\":null}\n\n"
    ": ping\n\n"
    "data: {\"content\":\"好\",\"finish_reason\":null}\r\n\r\n"
    "data: {\"content\":\"\",\"finish_reason\":\"stop\",\"usage\":{\"total_tokens\":3}}\r\r"
    "data: [DONE]\n\n";

const std::string good_dashscope =
    "id:1\nevent:result\n:HTTP_STATUS/200\n"
    "data:{\"output\":{\"choices\":[{\"message\":{\"content\":\"m\"},\"finish_reason\":\"null\"}]}}"
    "\n\n"
    "id:2\nevent:result\n:HTTP_STATUS/200\n"
    "data:{\"output\":{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}}"
    "\n\n";

struct fed {
  sse_counts counts;
  std::size_t completed = 0;
  bool lost = false;
  std::uint64_t output_tokens = 0;
};

fed feed_split(sse_dialect dialect, const std::string& bytes, std::size_t at) {
  wire_reader reader(dialect);
  sse_accounting a(reader);
  fed out;
  out.completed += a.feed(std::string_view(bytes).substr(0, at));
  out.completed += a.feed(std::string_view(bytes).substr(at));
  out.counts = a.counts();
  out.lost = a.lost();
  out.output_tokens = a.output_tokens();
  return out;
}

fed feed_bytewise(sse_dialect dialect, const std::string& bytes) {
  wire_reader reader(dialect);
  sse_accounting a(reader);
  fed out;
  for (const char c : bytes) out.completed += a.feed(std::string_view(&c, 1));
  out.counts = a.counts();
  out.lost = a.lost();
  out.output_tokens = a.output_tokens();
  return out;
}

void expect_same(const fed& got, const fed& want, std::size_t at) {
  EXPECT_EQ(got.counts.frames, want.counts.frames) << "split at " << at;
  EXPECT_EQ(got.counts.content, want.counts.content) << "split at " << at;
  EXPECT_EQ(got.counts.malformed, want.counts.malformed) << "split at " << at;
  EXPECT_EQ(got.counts.errors, want.counts.errors) << "split at " << at;
  EXPECT_EQ(got.counts.ended, want.counts.ended) << "split at " << at;
  EXPECT_EQ(got.completed, want.completed) << "split at " << at;
  EXPECT_EQ(got.counts.finished, want.counts.finished) << "split at " << at;
  EXPECT_EQ(got.counts.usage_seen, want.counts.usage_seen) << "split at " << at;
  EXPECT_EQ(got.output_tokens, want.output_tokens) << "split at " << at;
}

TEST(LoadgenSse, GatewayStreamWholeAndSplitAtEveryOffset) {
  const fed whole = feed_split(sse_dialect::gateway, good_gateway, good_gateway.size());
  EXPECT_EQ(whole.counts.content, 3u);
  EXPECT_EQ(whole.counts.frames, 4u);
  EXPECT_EQ(whole.counts.malformed, 0u);
  EXPECT_TRUE(whole.counts.ended);
  EXPECT_FALSE(whole.lost);
  EXPECT_EQ(whole.completed, 3u);
  for (std::size_t at = 0; at <= good_gateway.size(); ++at) {
    expect_same(feed_split(sse_dialect::gateway, good_gateway, at), whole, at);
  }
  expect_same(feed_bytewise(sse_dialect::gateway, good_gateway), whole, 1);
}

TEST(LoadgenSse, DashscopeStreamWholeAndSplitAtEveryOffset) {
  const fed whole = feed_split(sse_dialect::dashscope, good_dashscope, good_dashscope.size());
  EXPECT_EQ(whole.counts.content, 2u);
  EXPECT_TRUE(whole.counts.ended);
  EXPECT_FALSE(whole.lost);
  for (std::size_t at = 0; at <= good_dashscope.size(); ++at) {
    expect_same(feed_split(sse_dialect::dashscope, good_dashscope, at), whole, at);
  }
}

TEST(LoadgenSse, StreamWithoutDoneIsLost) {
  const std::string cut = good_gateway.substr(0, good_gateway.find("data: [DONE]"));
  for (std::size_t at = 0; at <= cut.size(); ++at) {
    const fed f = feed_split(sse_dialect::gateway, cut, at);
    EXPECT_FALSE(f.counts.ended);
    EXPECT_TRUE(f.lost);
    EXPECT_EQ(f.counts.content, 3u);
  }
  // [DONE] without its blank line has not ended the event yet.
  const fed unfinished = feed_split(sse_dialect::gateway, cut + "data: [DONE]\n", 0);
  EXPECT_TRUE(unfinished.lost);
}

TEST(LoadgenSse, MalformedFramesAreCountedAndMakeTheStreamLost) {
  const std::string bad =
      "data: {\"content\":\"a\"}\n\n"
      "data: {\"content\":\"trunc\n\n"  // not an object: cut JSON
      "data: {\"other\":1}\n\n"         // an object but no content
      "data: not json\n\n"
      "data: [DONE]\n\n";
  for (std::size_t at = 0; at <= bad.size(); ++at) {
    const fed f = feed_split(sse_dialect::gateway, bad, at);
    EXPECT_EQ(f.counts.content, 1u) << at;
    EXPECT_EQ(f.counts.malformed, 3u) << at;
    EXPECT_TRUE(f.counts.ended) << at;
    EXPECT_TRUE(f.lost) << at;
  }
}

TEST(LoadgenSse, DataAfterDoneIsMalformed) {
  const fed f = feed_split(sse_dialect::gateway, good_gateway + "data: {\"content\":\"x\"}\n\n", 7);
  EXPECT_EQ(f.counts.content, 3u);
  EXPECT_EQ(f.counts.malformed, 1u);
  EXPECT_TRUE(f.lost);
}

TEST(LoadgenSse, ErrorFrameIsCountedNotContent) {
  const std::string s =
      "data: {\"content\":\"a\",\"finish_reason\":null}\n\n"
      "data: {\"code\":504,\"message\":\"请求超时\",\"data\":null,\"error\":\"TIMEOUT\"}\n\n"
      "data: [DONE]\n\n";
  const fed f = feed_split(sse_dialect::gateway, s, 20);
  EXPECT_EQ(f.counts.content, 1u);
  EXPECT_EQ(f.counts.errors, 1u);
  EXPECT_TRUE(f.counts.ended);
  EXPECT_FALSE(f.lost);  // well-formed; the caller counts error frames against the stream
}

TEST(LoadgenSse, MultiLineDataAndCommentsAndOtherFields) {
  const std::string s =
      "event: x\nid: 3\ndata: {\"content\":\ndata: \"a\"}\n\n: c\n\ndata: [DONE]\n\n";
  const fed f = feed_bytewise(sse_dialect::gateway, s);
  EXPECT_EQ(f.counts.content, 1u);
  EXPECT_EQ(f.counts.malformed, 0u);
  EXPECT_FALSE(f.lost);
}

TEST(LoadgenSse, OverlongLineIsMalformedAndBounded) {
  std::string s = "data: {\"content\":\"";
  s.append(sse_accounting::max_line_bytes + 10, 'a');
  s += "\"}\n\ndata: [DONE]\n\n";
  const fed f = feed_split(sse_dialect::gateway, s, 100);
  EXPECT_EQ(f.counts.content, 0u);
  EXPECT_EQ(f.counts.malformed, 1u);
  EXPECT_TRUE(f.counts.ended);
}

TEST(LoadgenSse, DashscopeWithoutFinalEventIsLost) {
  const std::string cut = good_dashscope.substr(0, good_dashscope.find("id:2"));
  const fed f = feed_split(sse_dialect::dashscope, cut, 5);
  EXPECT_EQ(f.counts.content, 1u);
  EXPECT_TRUE(f.lost);
  const fed g = feed_split(sse_dialect::dashscope, "data:{\"nope\":1}\n\n", 3);
  EXPECT_EQ(g.counts.malformed, 1u);
}

TEST(LoadgenSse, GatewayUsageGivesTheOutputTokens) {
  const std::string s =
      "data: {\"content\":\"a\",\"finish_reason\":null}\n\n"
      "data: {\"content\":\"\",\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":10,"
      "\"output_tokens\":15,\"total_tokens\":25}}\n\n"
      "data: [DONE]\n\n";
  const fed whole = feed_split(sse_dialect::gateway, s, s.size());
  EXPECT_TRUE(whole.counts.usage_seen);
  EXPECT_TRUE(whole.counts.finished);
  EXPECT_EQ(whole.output_tokens, 15u);
  for (std::size_t at = 0; at <= s.size(); ++at) {
    expect_same(feed_split(sse_dialect::gateway, s, at), whole, at);
  }
  // No usage (good_gateway's has no output_tokens): the content frames are counted instead.
  const fed without = feed_split(sse_dialect::gateway, good_gateway, 9);
  EXPECT_FALSE(without.counts.usage_seen);
  EXPECT_EQ(without.output_tokens, 3u);
}

TEST(LoadgenSse, DashscopeUsageIsCumulativeAndTheLastOneCounts) {
  const auto event = [](std::string_view text, std::string_view finish, int output) {
    return "data:{\"output\":{\"choices\":[{\"message\":{\"content\":\"" + std::string(text) +
           "\"},\"finish_reason\":\"" + std::string(finish) +
           "\"}]},\"usage\":{\"input_tokens\":4,\"output_tokens\":" + std::to_string(output) +
           "}}\n\n";
  };
  const std::string s = event("a", "null", 1) + event("b", "null", 2) + event("", "stop", 2);
  const fed whole = feed_split(sse_dialect::dashscope, s, s.size());
  EXPECT_EQ(whole.counts.content, 3u);
  EXPECT_TRUE(whole.counts.ended);
  EXPECT_EQ(whole.output_tokens, 2u);
  for (std::size_t at = 0; at <= s.size(); ++at) {
    expect_same(feed_split(sse_dialect::dashscope, s, at), whole, at);
  }
  // The text format names the finish reason on `output` itself.
  const fed text =
      feed_split(sse_dialect::dashscope,
                 "data:{\"output\":{\"finish_reason\":\"stop\",\"text\":\"x\"}}\n\n", 4);
  EXPECT_TRUE(text.counts.ended);
  EXPECT_FALSE(text.lost);
}

TEST(LoadgenSse, DashscopeErrorEventIsAnErrorFrame) {
  const std::string s =
      "id:1\nevent:error\n:HTTP_STATUS/429\n"
      "data:{\"code\":\"Throttling\",\"message\":\"Requests throttled\",\"request_id\":\"r\"}"
      "\n\n";
  const fed f = feed_split(sse_dialect::dashscope, s, 30);
  EXPECT_EQ(f.counts.errors, 1u);
  EXPECT_EQ(f.counts.malformed, 0u);
  EXPECT_TRUE(f.lost);
}

TEST(LoadgenSse, ResetStartsOver) {
  wire_reader reader(sse_dialect::gateway);
  sse_accounting a(reader);
  (void)a.feed(good_gateway);
  a.reset();
  (void)a.feed("data: {\"content\":\"x\"");
  EXPECT_EQ(a.counts().frames, 0u);
  EXPECT_FALSE(a.counts().usage_seen);
  EXPECT_TRUE(a.lost());
}

}  // namespace
}  // namespace qgate::loadgen
