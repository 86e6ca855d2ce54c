// The mock's OpenAI-compatible endpoint as a client sees it: both paths, both modes, usage,
// length, tools and thinking.
#include "tests/integration/mock_compat_helpers.hpp"
#include "tools/mock_dashscope/mock_tool_calls.hpp"

#include <gtest/gtest.h>

#include <ctime>

namespace qgate::testing::mock_test {
namespace {

const std::string tools_json =
    R"(,"tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}},)"
    R"({"type":"function","function":{"name":"search"}}])";

class mock_compat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mock_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete mock_;
    mock_ = nullptr;
  }
  static http_response post(const std::string& body, std::string_view path = compat_path) {
    return http_request("POST", mock_->url(path), body, unary_headers);
  }
  // A whole stream's chunks (without [DONE], which must come last), checked for what every chunk
  // shares: the id, object, model, one choice with index 0 and logprobs null.
  static std::vector<compat_view> stream(const std::string& body, bool include_usage,
                                         std::string_view path = compat_path) {
    const auto response = post(body, path);
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(header(response, "content-type"), "text/event-stream; charset=utf-8");
    const auto payloads = data_payloads(response.body);
    EXPECT_FALSE(payloads.empty());
    if (payloads.empty()) return {};
    EXPECT_EQ(payloads.back(), "[DONE]");
    std::vector<compat_view> chunks;
    for (std::size_t i = 0; i + 1 < payloads.size(); ++i) {
      chunks.push_back(read_compat(payloads[i]));
      const auto& c = chunks.back();
      EXPECT_EQ(c.id, "chatcmpl-" + header(response, "x-request-id"));
      EXPECT_EQ(c.object, "chat.completion.chunk");
      EXPECT_EQ(c.usage_key, include_usage) << payloads[i];
      const bool usage_chunk = include_usage && i + 2 == payloads.size();
      EXPECT_EQ(c.choices, usage_chunk ? 0u : 1u) << payloads[i];
      if (usage_chunk) continue;
      EXPECT_TRUE(c.usage_null || !include_usage);
      EXPECT_EQ(c.index, 0);
      EXPECT_TRUE(c.logprobs_null);
    }
    if (!chunks.empty()) {
      EXPECT_TRUE(payloads[0].find(R"("delta":{"role":"assistant","content":""})") !=
                  std::string::npos)
          << payloads[0];
    }
    return chunks;
  }
  static running_mock* mock_;
};

running_mock* mock_compat::mock_ = nullptr;

TEST_F(mock_compat, a_non_stream_answer_has_the_openai_shape_on_both_paths) {
  for (const auto path : {compat_path, self_hosted_path}) {
    SCOPED_TRACE(path);
    const auto before = std::time(nullptr);
    const auto response = post(compat_body("hello world [[cached:4]]"), path);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(header(response, "content-type"), "application/json");
    const auto v = read_compat(response.body);
    EXPECT_EQ(v.id, "chatcmpl-" + header(response, "x-request-id"));
    EXPECT_EQ(v.object, "chat.completion");
    EXPECT_GE(v.created, before);
    EXPECT_LE(v.created, std::time(nullptr));
    EXPECT_EQ(v.model, "qwen-plus");
    EXPECT_EQ(v.choices, 1u);
    EXPECT_EQ(v.role, "assistant");
    EXPECT_EQ(v.content, "mock:hello world [[cached:4]]");
    EXPECT_FALSE(v.reasoning);
    EXPECT_FALSE(v.calls);
    EXPECT_EQ(v.finish, "stop");
    EXPECT_TRUE(v.logprobs_null);
    EXPECT_EQ(v.prompt, 24);
    EXPECT_EQ(v.completion, 8);
    EXPECT_EQ(v.total, 32);
    EXPECT_EQ(v.cached, 4);
    EXPECT_EQ(v.reasoning_tokens, -1);
  }
  // A self-hosted server serves any model name; DashScope does not know it.
  const auto llama = compat_body("x", {}, "llama3:8b");
  EXPECT_EQ(read_compat(post(llama, self_hosted_path).body).model, "llama3:8b");
  const auto unknown = post(llama);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(read_compat_error(unknown.body).code, "model_not_found");
}

TEST_F(mock_compat, a_stream_sends_role_pieces_finish_and_done) {
  const auto chunks = stream(compat_body("abcdefghijklmnop", R"(,"stream":true)"), false);
  ASSERT_EQ(chunks.size(), 10u);  // role, 8 pieces, finish
  std::string content;
  for (std::size_t i = 1; i < 9; ++i) {
    EXPECT_FALSE(chunks[i].role);
    EXPECT_FALSE(chunks[i].finish);
    ASSERT_TRUE(chunks[i].content) << i;
    EXPECT_FALSE(chunks[i].content->empty());
    content += *chunks[i].content;
  }
  EXPECT_EQ(content, "mock:abcdefghijklmnop");
  EXPECT_EQ(chunks[0].role, "assistant");
  EXPECT_FALSE(chunks[0].finish);
  EXPECT_FALSE(chunks[9].content);
  EXPECT_EQ(chunks[9].finish, "stop");
}

TEST_F(mock_compat, include_usage_adds_a_usage_chunk_before_done) {
  const auto chunks =
      stream(compat_body("abcdefghijklmnop", R"(,"stream":true,)"
                                             R"("stream_options":{"include_usage":true})"),
             true, self_hosted_path);
  ASSERT_EQ(chunks.size(), 11u);
  const auto& usage = chunks.back();
  EXPECT_EQ(usage.prompt, 16);
  EXPECT_EQ(usage.completion, 8);
  EXPECT_EQ(usage.total, 24);
  EXPECT_EQ(usage.cached, 0);
  EXPECT_EQ(chunks[9].finish, "stop");
}

TEST_F(mock_compat, max_tokens_cuts_with_length_in_both_modes) {
  const auto unary = read_compat(post(compat_body("abcdefghijklmnop", R"(,"max_tokens":3)")).body);
  EXPECT_EQ(unary.finish, "length");
  EXPECT_EQ(unary.content, "mock:abcd");  // 21 code points in 8 pieces: 3, 3, 3, …
  EXPECT_EQ(unary.completion, 3);
  const auto chunks =
      stream(compat_body("abcdefghijklmnop", R"(,"max_tokens":3,"stream":true)"), false);
  ASSERT_EQ(chunks.size(), 5u);
  EXPECT_EQ(chunks.back().finish, "length");
}

TEST_F(mock_compat, tools_are_called_whole_or_in_fragments) {
  const auto response = post(compat_body("weather 杭州", tools_json));
  const auto unary = read_compat(response.body);
  EXPECT_EQ(unary.finish, "tool_calls");
  EXPECT_EQ(unary.content, "");
  ASSERT_TRUE(unary.calls);
  ASSERT_EQ(unary.calls->size(), 1u);
  const auto& call = unary.calls->front();
  EXPECT_EQ(call.id, mock::tool_call_id(header(response, "x-request-id"), 0));
  EXPECT_EQ(call.type, "function");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_EQ(query_of(call.arguments), "weather 杭州");

  const auto chunks = stream(
      compat_body("q 你好", tools_json + R"(,"parallel_tool_calls":true,"stream":true)"), false);
  ASSERT_GE(chunks.size(), 2u + 6u);  // role, at least three fragments per call, finish
  EXPECT_EQ(chunks.back().finish, "tool_calls");
  std::map<std::int64_t, compat_call_view> joined;
  for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
    ASSERT_TRUE(chunks[i].calls) << i;
    ASSERT_EQ(chunks[i].calls->size(), 1u);
    const auto& f = chunks[i].calls->front();
    const bool first = joined.count(f.index) == 0;
    EXPECT_EQ(f.id.has_value(), first) << i;
    EXPECT_EQ(f.name.has_value(), first) << i;
    EXPECT_EQ(f.type.has_value(), first) << i;
    if (first) {
      joined[f.index] = f;
    } else {
      joined[f.index].arguments += f.arguments;
    }
  }
  ASSERT_EQ(joined.size(), 2u);
  EXPECT_EQ(joined[0].name, "get_weather");
  EXPECT_EQ(joined[1].name, "search");
  EXPECT_NE(joined[0].id, joined[1].id);
  EXPECT_EQ(query_of(joined[1].arguments), "q 你好");

  const std::string after_tool =
      R"([{"role":"user","content":"weather?"},{"role":"assistant","content":null,)"
      R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather",)"
      R"("arguments":"{}"}}]},{"role":"tool","content":"sunny","tool_call_id":"call_1"}])";
  const auto answered = read_compat(post(compat_messages_body(after_tool, tools_json)).body);
  EXPECT_EQ(answered.content, "mock:tool:sunny");
  EXPECT_EQ(answered.finish, "stop");
  EXPECT_FALSE(answered.calls);
}

TEST_F(mock_compat, thinking_reasons_first_in_both_modes) {
  const auto unary = read_compat(post(compat_body("abc", R"(,"enable_thinking":true)")).body);
  EXPECT_EQ(unary.reasoning, "think:abc");
  EXPECT_EQ(unary.content, "mock:abc");
  EXPECT_EQ(unary.completion, 16);
  EXPECT_EQ(unary.reasoning_tokens, 8);

  const auto chunks = stream(compat_body("abc", R"(,"enable_thinking":true,"stream":true,)"
                                                R"("stream_options":{"include_usage":true})"),
                             true);
  ASSERT_EQ(chunks.size(), 19u);  // role, 8 reasoning, 8 content, finish, usage
  std::string reasoning, content;
  for (std::size_t i = 1; i < 17; ++i) {
    EXPECT_EQ(chunks[i].reasoning.has_value(), i <= 8) << i;
    EXPECT_EQ(chunks[i].content.has_value(), i > 8) << i;
    reasoning += chunks[i].reasoning.value_or("");
    content += chunks[i].content.value_or("");
  }
  EXPECT_EQ(reasoning, "think:abc");
  EXPECT_EQ(content, "mock:abc");
  EXPECT_EQ(chunks.back().reasoning_tokens, 8);
  EXPECT_EQ(chunks.back().completion, 16);
}

}  // namespace
}  // namespace qgate::testing::mock_test
