// The mock DashScope's tool calls, thinking output and cached tokens, as a client sees them.
#include "tests/integration/mock_dashscope_helpers.hpp"
#include "tools/mock_dashscope/mock_tool_calls.hpp"

#include <gtest/gtest.h>

namespace qgate::testing::mock_test {
namespace {

using mock::tool_call_id;

const std::string tools_json =
    R"("tools":[{"type":"function","function":{"name":"get_weather","description":"d",)"
    R"("parameters":{"type":"object"}}},{"type":"function","function":{"name":"search"}},)"
    R"({"type":"function","function":{"name":"lookup"}}])";

std::string with_tools(std::string_view extra = {}) {
  return R"({"result_format":"message","incremental_output":true,)" + tools_json +
         std::string(extra) + "}";
}

class mock_tools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mock_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete mock_;
    mock_ = nullptr;
  }
  static http_response post(const std::string& body, bool stream = false) {
    return http_request("POST", mock_->url(), body, stream ? stream_headers : unary_headers);
  }
  // The stream's events, checked for ids and finish reasons, read as messages.
  static std::vector<message_view> stream(const std::string& body, std::string_view finish) {
    const auto response = post(body, true);
    EXPECT_EQ(response.status, 200);
    const auto events = parse_sse(response.body);
    std::vector<message_view> views;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].id, std::to_string(i + 1));
      EXPECT_EQ(events[i].event, "result") << events[i].data;
      views.push_back(read_message(events[i].data));
      EXPECT_EQ(views.back().finish, i + 1 == events.size() ? finish : "null");
      EXPECT_EQ(views.back().total, views.back().input + views.back().output);
    }
    return views;
  }
  static running_mock* mock_;
};

running_mock* mock_tools::mock_ = nullptr;

TEST_F(mock_tools, a_non_stream_tool_call_has_the_captured_shape) {
  const auto response = post(user_body("weather in 杭州", with_tools()));
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string request_id = header(response, "x-request-id");
  const std::string call_id = tool_call_id(request_id, 0);
  EXPECT_EQ(response.body,
            R"({"output":{"choices":[{"finish_reason":"stop","message":{"role":"assistant",)"
            R"("content":"","tool_calls":[{"function":{"name":"get_weather","arguments":)"
            R"("{\"query\":\"weather in 杭州\"}"},"index":0,"id":")" +
                call_id +
                R"(","type":"function"}]}}]},"usage":{"input_tokens":13,"output_tokens":8,)"
                R"("total_tokens":21,"prompt_tokens_details":{"cached_tokens":0}},)"
                R"("request_id":")" +
                request_id + "\"}");
  const auto m = read_message(response.body);
  EXPECT_EQ(m.finish, "stop");
  EXPECT_EQ(m.content, "");
  ASSERT_TRUE(m.calls);
  ASSERT_EQ(m.calls->size(), 1u);
  const auto& call = m.calls->front();
  EXPECT_EQ(call.index, 0);
  EXPECT_EQ(call.type, "function");
  EXPECT_EQ(call.name, "get_weather");
  EXPECT_TRUE(call.id.starts_with("call_") && call.id.size() == 29u) << call.id;
  EXPECT_EQ(query_of(call.arguments), "weather in 杭州");
}

TEST_F(mock_tools, parallel_calls_stream_as_fragments_that_join_per_index) {
  const std::string prompt = "find 你好 and more";
  const auto events =
      stream(user_body(prompt, with_tools(R"(,"parallel_tool_calls":true)")), "tool_calls");
  ASSERT_EQ(events.size(), 24u);  // three calls in eight fragments each
  ASSERT_TRUE(events.back().calls);
  EXPECT_EQ(events.back().calls->size(), 1u) << "the final event carries the last fragment";
  EXPECT_EQ(events.back().output, 24);
  std::vector<std::size_t> fragments;
  const auto calls = join_calls(events, fragments);
  ASSERT_EQ(calls.size(), 3u);
  const std::vector<std::string> names = {"get_weather", "search", "lookup"};
  for (std::int64_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(calls.count(i), 1u);
    EXPECT_EQ(calls.at(i).name, names[static_cast<std::size_t>(i)]);
    EXPECT_EQ(query_of(calls.at(i).arguments), prompt);
    EXPECT_GE(fragments[static_cast<std::size_t>(i)], 3u);
  }
  EXPECT_NE(calls.at(0).id, calls.at(1).id);
  EXPECT_NE(calls.at(1).id, calls.at(2).id);
  EXPECT_NE(calls.at(0).id, calls.at(2).id);
}

TEST_F(mock_tools, tool_choice_picks_one_tool_or_none) {
  const std::string named = R"(,"parallel_tool_calls":true,"tool_choice":{"type":"function",)"
                            R"("function":{"name":"search"}})";
  const auto unary = read_message(post(user_body("q", with_tools(named))).body);
  ASSERT_TRUE(unary.calls);
  ASSERT_EQ(unary.calls->size(), 1u);
  EXPECT_EQ(unary.calls->front().name, "search");
  EXPECT_EQ(unary.calls->front().index, 0);
  std::vector<std::size_t> fragments;
  const auto streamed =
      join_calls(stream(user_body("q", with_tools(named)), "tool_calls"), fragments);
  ASSERT_EQ(streamed.size(), 1u);
  EXPECT_EQ(streamed.begin()->second.name, "search");

  const auto none = read_message(post(user_body("q", with_tools(R"(,"tool_choice":"none")"))).body);
  EXPECT_FALSE(none.calls);
  EXPECT_EQ(none.content, "mock:q");
  EXPECT_EQ(none.finish, "stop");
  // Only message format calls tools: with "text" the tools are ignored.
  const auto text = read_result(post(user_body("q", "{" + tools_json + "}")).body);
  EXPECT_EQ(text.text, "mock:q");
}

TEST_F(mock_tools, a_tool_result_gets_a_text_answer) {
  const std::string messages =
      R"([{"role":"user","content":"weather?"},{"role":"assistant","content":"",)"
      R"("tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather",)"
      R"("arguments":"{}"}}]},{"role":"tool","content":"sunny 22°C","tool_call_id":"call_1"}])";
  const auto unary = read_message(post(body_with(messages, with_tools())).body);
  EXPECT_FALSE(unary.calls);
  EXPECT_EQ(unary.content, "mock:tool:sunny 22°C");
  EXPECT_EQ(unary.finish, "stop");
  EXPECT_EQ(unary.input, 8 + 10);
  std::string joined;
  for (const auto& e : stream(body_with(messages, with_tools()), "stop")) {
    EXPECT_FALSE(e.calls);
    joined += e.content;
  }
  EXPECT_EQ(joined, "mock:tool:sunny 22°C");
}

TEST_F(mock_tools, a_tool_message_must_follow_tool_calls) {
  const std::string messages = R"([{"role":"user","content":"q"},)"
                               R"({"role":"tool","content":"r","tool_call_id":"call_1"}])";
  const std::string message =
      R"(messages with role "tool" must be a response to a preceeding message with "tool_calls")";
  const auto unary = post(body_with(messages, with_tools()));
  EXPECT_EQ(unary.status, 400);
  EXPECT_EQ(read_error(unary.body).code, "InvalidParameter");
  EXPECT_EQ(read_error(unary.body).message, message);
  const auto events = parse_sse(post(body_with(messages, with_tools()), true).body);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "error");
  EXPECT_EQ(events[0].status, "400");
  EXPECT_EQ(read_error(events[0].data).message, message);
}

TEST_F(mock_tools, hostile_prompts_and_names_still_give_valid_json) {
  const std::string prompt =
      "say \"hi\" \\ C:\\dir\\ \n\t\r\x01\x1f end 😀👨‍👩‍👧 你好 \\u0000 "
      "[[chunks:40]]";
  const std::string tools = R"({"result_format":"message","incremental_output":true,)"
                            R"("tools":[{"type":"function","function":{"name":"we\"ird\\name"}}]})";
  const auto unary = read_message(post(user_body(prompt, tools)).body);
  ASSERT_TRUE(unary.calls);
  ASSERT_EQ(unary.calls->size(), 1u);
  EXPECT_EQ(unary.calls->front().name, "we\"ird\\name");
  EXPECT_EQ(query_of(unary.calls->front().arguments), prompt);
  std::vector<std::size_t> fragments;
  const auto calls = join_calls(stream(user_body(prompt, tools), "tool_calls"), fragments);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(fragments.at(0), 40u);
  EXPECT_EQ(calls.begin()->second.arguments, unary.calls->front().arguments);
  EXPECT_EQ(query_of(calls.begin()->second.arguments), prompt);
}

TEST_F(mock_tools, thinking_streams_reasoning_then_the_answer) {
  const std::string thinking = R"({"result_format":"message","incremental_output":true,)"
                               R"("enable_thinking":true)";
  const auto events = stream(user_body("abcdefghijklmnop", thinking + "}"), "stop");
  ASSERT_EQ(events.size(), 17u);  // 8 reasoning pieces, 8 answer pieces, the final event
  std::string reasoning;
  std::string content;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    ASSERT_TRUE(e.reasoning) << i;
    EXPECT_EQ(e.reasoning->empty(), i >= 8) << i;
    EXPECT_EQ(e.content.empty(), i < 8 || i == 16) << i;
    EXPECT_EQ(e.output, std::min<std::int64_t>(static_cast<std::int64_t>(i) + 1, 16));
    EXPECT_EQ(e.reasoning_tokens, std::min<std::int64_t>(static_cast<std::int64_t>(i) + 1, 8));
    reasoning += *e.reasoning;
    content += e.content;
  }
  EXPECT_EQ(reasoning, "think:abcdefghijklmnop");
  EXPECT_EQ(content, "mock:abcdefghijklmnop");

  // The budget caps the reasoning; max_tokens caps only the answer.
  const auto capped =
      stream(user_body("abcdefghijklmnop", thinking + R"(,"thinking_budget":3,"max_tokens":2})"),
             "length");
  ASSERT_EQ(capped.size(), 6u);
  std::string capped_reasoning;
  for (const auto& e : capped) capped_reasoning += e.reasoning.value_or("?");
  EXPECT_EQ(capped_reasoning, "think:abc");
  EXPECT_EQ(capped.back().reasoning_tokens, 3);
  EXPECT_EQ(capped.back().output, 5);
  EXPECT_EQ(capped[3].content + capped[4].content, "mock:a");

  // With tools, the reasoning comes before the fragments.
  const auto calls = stream(
      user_body("q", with_tools(R"(,"enable_thinking":true,"thinking_budget":3)")), "tool_calls");
  ASSERT_EQ(calls.size(), 3u + 8u);  // "think:q" capped at 3 pieces, then 8 fragments
  EXPECT_FALSE(calls[2].calls);
  EXPECT_TRUE(calls[3].calls);
  EXPECT_EQ(calls.back().reasoning_tokens, 3);
  EXPECT_EQ(calls.back().output, 11);
}

TEST_F(mock_tools, thinking_is_refused_outside_incremental_message_streams) {
  const auto params = [](std::string_view rest) {
    return user_body("q", R"({"enable_thinking":true)" + std::string(rest) + "}");
  };
  const auto unary = post(params(R"(,"result_format":"message")"));
  EXPECT_EQ(unary.status, 400);
  EXPECT_EQ(read_error(unary.body).message,
            "parameter.enable_thinking must be set to false for non-streaming calls");
  const std::vector<std::pair<std::string, std::string>> stream_cases = {
      {R"(,"result_format":"message","incremental_output":false)",
       R"(The incremental_output parameter must be "true" when enable_thinking is true)"},
      {R"(,"result_format":"message")",
       R"(The incremental_output parameter must be "true" when enable_thinking is true)"},
      {R"(,"incremental_output":true)",
       R"(The result_format parameter must be "message" when enable_thinking is true)"},
  };
  for (const auto& [rest, message] : stream_cases) {
    const auto events = parse_sse(post(params(rest), true).body);
    ASSERT_EQ(events.size(), 1u) << rest;
    EXPECT_EQ(events[0].event, "error");
    EXPECT_EQ(events[0].status, "400");
    EXPECT_EQ(read_error(events[0].data).code, "InvalidParameter");
    EXPECT_EQ(read_error(events[0].data).message, message);
  }
  const auto off = post(user_body("q", R"({"result_format":"message","enable_thinking":false})"));
  EXPECT_EQ(off.status, 200);
  EXPECT_EQ(read_message(off.body).reasoning_tokens, -1);
}

TEST_F(mock_tools, the_cached_marker_sets_cached_tokens) {
  const std::string message = R"({"result_format":"message","incremental_output":true})";
  EXPECT_EQ(read_message(post(user_body("plain", message)).body).cached, 0);
  const auto cached = read_message(post(user_body("hello [[cached:5]]", message)).body);
  EXPECT_EQ(cached.cached, 5);
  EXPECT_EQ(cached.input, 18);
  EXPECT_EQ(read_message(post(user_body("hi [[cached:1000]]", message)).body).cached, 18);
  for (const auto& e : stream(user_body("hello [[cached:5]]", message), "stop")) {
    EXPECT_EQ(e.cached, 5);
  }
  // The text format's usage stays as before.
  const auto text = post(user_body("hello [[cached:5]]"));
  EXPECT_EQ(text.body.find("prompt_tokens_details"), std::string::npos) << text.body;
}

}  // namespace
}  // namespace qgate::testing::mock_test
