// loadgen's reading of OpenAI Chat Completions: chunk streams fed whole, split at every byte
// offset and byte by byte must count the same; the end, the finish, usage, error events and
// malformed chunks; and the non-stream bodies of every target.
#include <gtest/gtest.h>

#include <string>

#include "tools/loadgen/sse_accounting.hpp"
#include "tools/loadgen/wire_reader.hpp"

namespace qgate::loadgen {
namespace {

std::string chunk(std::string_view delta, std::string_view finish = "null") {
  return R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",)"
         R"("choices":[{"index":0,"delta":{)" +
         std::string(delta) + R"(},"logprobs":null,"finish_reason":)" + std::string(finish) +
         R"(}],"usage":null})";
}

const std::string usage_chunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],)"
    R"("usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})";

// OpenAI's documented sequence: the role (content ""), deltas of content, reasoning and a tool
// call, the finish chunk with an empty delta, the usage chunk, [DONE]. Mixed line endings, one
// `data:` without its space, a comment.
const std::string good_stream =
    "data: " + chunk(R"("role":"assistant","content":"")") + "\n\n" +
    "data: " + chunk(R"("content":"Hel")") + "\r\n\r\n" + "data:" + chunk(R"("content":"lo")") +
    "\n\n" + ": keep-alive\n\n" + "data: " + chunk(R"("reasoning_content":"hm")") + "\r\r" +
    "data: " +
    chunk(R"("tool_calls":[{"index":0,"id":"c","type":"function","function":{"name":"f",)"
          R"("arguments":""}}])") +
    "\n\n" + "data: " + chunk("", R"("stop")") + "\n\n" + "data: " + usage_chunk + "\n\n" +
    "data: [DONE]\n\n";

struct fed {
  sse_counts counts;
  std::size_t completed = 0;
  bool lost = false;
  std::uint64_t output_tokens = 0;
};

fed feed(const std::string& bytes, std::size_t at) {
  wire_reader reader(sse_dialect::openai);
  sse_accounting a(reader);
  fed out;
  out.completed += a.feed(std::string_view(bytes).substr(0, at));
  out.completed += a.feed(std::string_view(bytes).substr(at));
  out.counts = a.counts();
  out.lost = a.lost();
  out.output_tokens = a.output_tokens();
  return out;
}

fed feed_bytewise(const std::string& bytes) {
  wire_reader reader(sse_dialect::openai);
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
  EXPECT_EQ(got.counts.finished, want.counts.finished) << "split at " << at;
  EXPECT_EQ(got.counts.ended, want.counts.ended) << "split at " << at;
  EXPECT_EQ(got.counts.usage_seen, want.counts.usage_seen) << "split at " << at;
  EXPECT_EQ(got.completed, want.completed) << "split at " << at;
  EXPECT_EQ(got.lost, want.lost) << "split at " << at;
  EXPECT_EQ(got.output_tokens, want.output_tokens) << "split at " << at;
}

void expect_same_at_every_offset(const std::string& bytes) {
  const fed whole = feed(bytes, bytes.size());
  for (std::size_t at = 0; at <= bytes.size(); ++at) expect_same(feed(bytes, at), whole, at);
  expect_same(feed_bytewise(bytes), whole, 1);
}

TEST(LoadgenOpenai, StreamWholeAndSplitAtEveryOffset) {
  const fed whole = feed(good_stream, good_stream.size());
  EXPECT_EQ(whole.counts.frames, 8u);   // every event with data, [DONE] included
  EXPECT_EQ(whole.counts.content, 4u);  // Hel, lo, the reasoning, the tool call
  EXPECT_EQ(whole.completed, 4u);
  EXPECT_EQ(whole.counts.malformed, 0u);
  EXPECT_EQ(whole.counts.errors, 0u);
  EXPECT_TRUE(whole.counts.finished);
  EXPECT_TRUE(whole.counts.ended);
  EXPECT_TRUE(whole.counts.usage_seen);
  EXPECT_EQ(whole.output_tokens, 7u);  // completion_tokens, not the frames
  EXPECT_FALSE(whole.lost);
  expect_same_at_every_offset(good_stream);
}

TEST(LoadgenOpenai, WithoutUsageTheContentFramesAreCounted) {
  const std::string s = "data: " + chunk(R"("role":"assistant","content":"a")") + "\n\n" +
                        "data: " + chunk(R"("content":"b")", R"("length")") + "\n\n" +
                        "data: [DONE]\n\n";
  const fed f = feed(s, s.size());
  EXPECT_FALSE(f.counts.usage_seen);  // `"usage":null` is no usage
  EXPECT_EQ(f.counts.content, 2u);    // the first chunk has content, and the finish chunk too
  EXPECT_EQ(f.output_tokens, 2u);
  EXPECT_TRUE(f.counts.finished);
  EXPECT_FALSE(f.lost);
  expect_same_at_every_offset(s);
}

TEST(LoadgenOpenai, StreamWithoutDoneOrWithoutFinishIsLost) {
  const std::string cut = good_stream.substr(0, good_stream.find("data: [DONE]"));
  const fed no_done = feed(cut, cut.size() / 2);
  EXPECT_TRUE(no_done.counts.finished);
  EXPECT_FALSE(no_done.counts.ended);
  EXPECT_TRUE(no_done.lost);
  EXPECT_EQ(no_done.output_tokens, 7u);  // what came before the cut still counts

  const std::string no_finish = "data: " + chunk(R"("content":"a")") + "\n\n" + "data: [DONE]\n\n";
  const fed f = feed(no_finish, 3);
  EXPECT_TRUE(f.counts.ended);
  EXPECT_FALSE(f.counts.finished);
  EXPECT_TRUE(f.lost);
  expect_same_at_every_offset(no_finish);
}

TEST(LoadgenOpenai, ErrorEventFailsTheStream) {
  const std::string error =
      R"(data: {"error":{"message":"Upstream error: cut","type":"upstream_error","param":null,)"
      R"("code":"upstream_error"}})"
      "\n\n";
  // qgate ends a failed stream with the error event alone; vLLM adds [DONE] after it.
  const std::string alone = "data: " + chunk(R"("content":"a")") + "\n\n" + error;
  const fed f = feed(alone, alone.size());
  EXPECT_EQ(f.counts.errors, 1u);
  EXPECT_EQ(f.counts.content, 1u);
  EXPECT_EQ(f.counts.malformed, 0u);
  EXPECT_TRUE(f.lost);
  expect_same_at_every_offset(alone);

  const fed with_done = feed(alone + "data: [DONE]\n\n", 40);
  EXPECT_EQ(with_done.counts.errors, 1u);
  EXPECT_EQ(with_done.counts.malformed, 0u);
  EXPECT_TRUE(with_done.counts.ended);
  EXPECT_TRUE(with_done.lost);  // no finish reason; the caller also counts the error frame
}

TEST(LoadgenOpenai, MalformedChunksAreCounted) {
  const std::string s = "data: " + chunk(R"("content":"a")") + "\n\n" +
                        "data: {\"choices\":[{\"delta\":\n\n" +               // cut JSON
                        "data: {\"object\":\"chat.completion.chunk\"}\n\n" +  // no choices
                        "data: [1,2]\n\n" +                                   // not an object
                        "data: " + chunk("", R"("stop")") + "\n\n" + "data: [DONE]\n\n" +
                        "data: " + chunk(R"("content":"late")") + "\n\n";  // after the end
  const fed f = feed(s, s.size());
  EXPECT_EQ(f.counts.content, 1u);
  EXPECT_EQ(f.counts.malformed, 4u);
  EXPECT_TRUE(f.counts.ended);
  EXPECT_TRUE(f.lost);
  expect_same_at_every_offset(s);
}

TEST(LoadgenOpenai, EmptyDeltasCarryNoTokens) {
  wire_reader reader(sse_dialect::openai);
  EXPECT_FALSE(reader.read_frame(chunk(R"("role":"assistant","content":"")")).content);
  EXPECT_FALSE(reader.read_frame(chunk(R"("content":null)")).content);
  EXPECT_FALSE(reader.read_frame(chunk(R"("tool_calls":[])")).content);
  EXPECT_FALSE(reader.read_frame(chunk("")).finished);
  const frame_verdict finish = reader.read_frame(chunk("", R"("tool_calls")"));
  EXPECT_TRUE(finish.finished);
  EXPECT_FALSE(finish.content);
  EXPECT_FALSE(finish.ends_stream);
  EXPECT_TRUE(reader.read_frame("[DONE]").ends_stream);
}

TEST(LoadgenOpenai, CompletionBodies) {
  wire_reader reader(sse_dialect::openai);
  const body_verdict good = reader.read_body(
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[)"
      R"({"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":null,)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":9,)"
      R"("total_tokens":12}})");
  EXPECT_TRUE(good.ok);
  EXPECT_EQ(good.output_tokens, 9u);
  const body_verdict no_usage =
      reader.read_body(R"({"choices":[{"index":0,"message":{"content":"hi"}}]})");
  EXPECT_TRUE(no_usage.ok);
  EXPECT_FALSE(no_usage.output_tokens);
  EXPECT_FALSE(reader.read_body(R"({"error":{"message":"no","type":"x"}})").ok);
  EXPECT_FALSE(reader.read_body(R"({"choices":[]})").ok);
  EXPECT_FALSE(reader.read_body(R"({"choices":[{"message":"hi"}]})").ok);
  EXPECT_FALSE(reader.read_body(R"({"choices":[{"message":{}})").ok);  // cut
  EXPECT_FALSE(reader.read_body("").ok);
}

TEST(LoadgenOpenai, NativeBodies) {
  wire_reader gateway(sse_dialect::gateway);
  const body_verdict ours = gateway.read_body(
      R"({"code":200,"message":"success","data":{"content":"x","finish_reason":"stop",)"
      R"("usage":{"input_tokens":10,"output_tokens":15,"total_tokens":25}}})");
  EXPECT_TRUE(ours.ok);
  EXPECT_EQ(ours.output_tokens, 15u);
  EXPECT_FALSE(gateway.read_body(R"({"code":400,"message":"x","data":null})").ok);

  wire_reader dashscope(sse_dialect::dashscope);
  const body_verdict theirs = dashscope.read_body(
      R"({"output":{"choices":[{"finish_reason":"stop","message":{"content":"x"}}]},)"
      R"("usage":{"input_tokens":2,"output_tokens":4,"total_tokens":6},"request_id":"r"})");
  EXPECT_TRUE(theirs.ok);
  EXPECT_EQ(theirs.output_tokens, 4u);
  EXPECT_FALSE(dashscope.read_body(R"({"code":"InvalidApiKey","message":"x"})").ok);
}

}  // namespace
}  // namespace qgate::loadgen
