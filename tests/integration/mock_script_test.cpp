// The mock's pure parts without sockets: splitting, markers, request rules, tool call planning
// and the timing of its scripts.
#include "tools/mock_dashscope/mock_script.hpp"
#include "tools/mock_dashscope/mock_answer.hpp"
#include "tools/mock_dashscope/mock_tool_calls.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace qgate::mock {
namespace {

const std::string key = "Bearer sk-qgate-mock";

std::string user_body(std::string_view prompt) {
  return R"({"model":"qwen-plus","input":{"messages":[{"role":"user","content":")" +
         std::string(prompt) + R"("}]}})";
}

// "ok", or the error's code and message.
std::string message_of(std::string_view body) {
  const auto parsed = parse_generation(body);
  const auto* e = std::get_if<upstream_error>(&parsed);
  return e == nullptr ? std::string("ok") : e->code + ": " + e->message;
}

std::string messages_body(std::string_view messages, std::string_view parameters = "{}") {
  return R"({"model":"qwen-plus","input":{"messages":)" + std::string(messages) +
         R"(},"parameters":)" + std::string(parameters) + "}";
}

const std::string generic_error =
    "InvalidParameter: Required parameter(s) missing or invalid, please check the request "
    "parameters.";
const std::string orphan_tool =
    R"(InvalidParameter: messages with role "tool" must be a response to a preceeding message )"
    R"(with "tool_calls")";

script plan_for(mock_state& state, std::string_view body, bool stream, bool keep_alive = true) {
  incoming in;
  in.method = "POST";
  in.target = generation_path;
  in.authorization = key;
  in.sse = stream ? "enable" : "";
  in.body = body;
  in.keep_alive = keep_alive;
  return plan(in, state);
}

TEST(mock_answer, splits_at_code_points_as_evenly_as_possible) {
  EXPECT_EQ(split_code_points("abcdefg", 3), (std::vector<std::string>{"abc", "de", "fg"}));
  EXPECT_EQ(split_code_points("你好世界", 3), (std::vector<std::string>{"你好", "世", "界"}));
  EXPECT_EQ(split_code_points("ab", 8), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(split_code_points("", 8).empty());
}

TEST(mock_fault, markers_are_read_and_clamped) {
  const auto m =
      read_markers("x [[chunks:3]] [[interval:-5]] [[first-byte:20]] [[fault:drop-mid]]");
  EXPECT_EQ(m.chunks, 3);
  EXPECT_EQ(m.interval_ms, 0);
  EXPECT_EQ(m.first_byte_ms, 20);
  EXPECT_EQ(m.scripted, fault::drop_mid);
  EXPECT_EQ(read_markers("[[chunks:0]]").chunks, 1);
  EXPECT_FALSE(read_markers("[[chunks:x]]").chunks);
  EXPECT_EQ(read_markers("[[fault:nonsense]]").scripted, fault::none);
  const auto text = read_markers("[[retry-after:99999999999]] [[flaky:k1]] [[flap:k 2]]");
  EXPECT_EQ(text.retry_after, "99999999999");
  EXPECT_EQ(text.flaky_key, "k1");
  EXPECT_EQ(text.flap_key, "k 2");
  EXPECT_FALSE(read_markers("[[retry-after:7\r\nX-Injected: 1]]").retry_after);
  EXPECT_FALSE(read_markers("[[retry-after:]]").retry_after);
  EXPECT_FALSE(read_markers("[[retry-after:" + std::string(65, '9') + "]]").retry_after);
  EXPECT_EQ(read_markers("[[fault:no-response]]").scripted, fault::stall_first);
  EXPECT_EQ(read_markers("x [[cached:12]]").cached_tokens, 12);
  EXPECT_EQ(read_markers("[[cached:-3]]").cached_tokens, 0);
  EXPECT_FALSE(read_markers("[[cached:many]]").cached_tokens);
  EXPECT_FALSE(read_markers("[[chunks:2]]").cached_tokens);
}

TEST(mock_request, rejects_what_dashscope_rejects) {
  EXPECT_EQ(message_of(R"({"model":"qwen-plus","input":{"prompt":"p"}})"), "ok");
  EXPECT_EQ(message_of(R"({"input":{"prompt":"p"}})"),
            R"(BadRequest.EmptyModel: Required parameter "model" missing from request.)");
  EXPECT_EQ(message_of(R"({"model":"qwen-plus"})"),
            "BadRequest.EmptyInput: Required input parameter missing from request.");
  EXPECT_EQ(
      message_of(R"({"model":"qwen-plus","input":{"messages":[{"role":"user","content":[]}]}})"),
      "InvalidParameter: input content must be a string.");
  EXPECT_EQ(
      message_of(R"({"model":"qwen-plus","input":{"messages":[{"role":"x","content":"c"}]}})"),
      "InvalidParameter: Role must be user or assistant and Content length must be greater "
      "than 0");
  EXPECT_EQ(message_of(
                R"({"model":"qwen-plus","input":{"prompt":"p"},"parameters":{"max_tokens":null}})"),
            "ok");
}

TEST(mock_request, tool_messages_must_answer_tool_calls) {
  const std::string user = R"({"role":"user","content":"q"})";
  const std::string calls =
      R"({"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function",)"
      R"("function":{"name":"f","arguments":"{}"}}]})";
  const auto tool = [](std::string_view id) {
    return R"({"role":"tool","content":"r-)" + std::string(id) + R"(","tool_call_id":")" +
           std::string(id) + "\"}";
  };
  const auto two_results = "[" + user + "," + calls + "," + tool("c1") + "," + tool("c2") + "]";
  EXPECT_EQ(message_of(messages_body(two_results)), "ok");
  const auto parsed = std::get<generation>(parse_generation(messages_body(two_results)));
  EXPECT_EQ(parsed.last_role, "tool");
  EXPECT_EQ(parsed.last_tool_content, "r-c2");
  EXPECT_EQ(parsed.input_tokens, 1 + 4 + 4);

  EXPECT_EQ(message_of(messages_body("[" + user + "," + tool("c1") + "]")), orphan_tool);
  EXPECT_EQ(message_of(messages_body("[" + tool("c1") + "," + user + "]")), orphan_tool);
  EXPECT_EQ(message_of(messages_body("[" + user + "," + calls + "," + tool("c1") + "," + user +
                                     "," + tool("c1") + "]")),
            orphan_tool);
  EXPECT_EQ(message_of(messages_body("[" + user + R"(,{"role":"assistant","content":"x"},)" +
                                     tool("c1") + "]")),
            orphan_tool);
  const auto without_id = R"({"role":"tool","content":"r"})";
  const auto empty_id = R"({"role":"tool","content":"r","tool_call_id":""})";
  EXPECT_EQ(message_of(messages_body("[" + user + "," + calls + "," + without_id + "]")),
            generic_error);
  EXPECT_EQ(message_of(messages_body("[" + user + "," + calls + "," + empty_id + "]")),
            generic_error);

  // Empty content is only for an assistant message that calls tools.
  const auto bad_role =
      "InvalidParameter: Role must be user or assistant and Content length must be greater "
      "than 0";
  EXPECT_EQ(
      message_of(messages_body("[" + user + R"(,{"role":"assistant","content":""},)" + user + "]")),
      bad_role);
  EXPECT_EQ(
      message_of(messages_body(
          "[" + user + R"(,{"role":"assistant","content":"","tool_calls":[]},)" + user + "]")),
      bad_role);
  EXPECT_EQ(
      message_of(messages_body("[" + user + R"(,{"role":"assistant","tool_calls":[{"id":"c1"}]},)" +
                               tool("c1") + "]")),
      "ok");
}

TEST(mock_request, tool_and_thinking_parameters_are_read_and_checked) {
  const std::string user = R"([{"role":"user","content":"q"}])";
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"a","description":"d","parameters":{}}},)"
      R"({"type":"function","function":{"name":"b"}}])";
  const auto parsed = std::get<generation>(parse_generation(messages_body(
      user, "{" + tools +
                R"(,"tool_choice":{"type":"function","function":{"name":"b"}},)"
                R"("parallel_tool_calls":true,"enable_thinking":true,"thinking_budget":5})")));
  EXPECT_EQ(parsed.tools, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parsed.choice, tool_choice::named);
  EXPECT_EQ(parsed.chosen_tool, "b");
  EXPECT_TRUE(parsed.parallel_tool_calls);
  EXPECT_TRUE(parsed.enable_thinking);
  EXPECT_EQ(parsed.thinking_budget, 5);
  EXPECT_EQ(std::get<generation>(
                parse_generation(messages_body(user, "{" + tools + R"(,"tool_choice":"none"})")))
                .choice,
            tool_choice::none);
  EXPECT_EQ(message_of(messages_body(user, R"({"tools":null,"tool_choice":"auto"})")), "ok");
  for (const std::string& bad : std::vector<std::string>{
           R"("tools":{})",
           R"("tools":[{"type":"function","function":{}}])",
           R"("tools":[{"type":"retrieval","function":{"name":"a"}}])",
           tools + R"(,"tool_choice":"required")",
           tools + R"(,"tool_choice":{"type":"function","function":{"name":"c"}})",
           R"("parallel_tool_calls":"yes")",
           R"("enable_thinking":1)",
           R"("thinking_budget":0)",
           R"("thinking_budget":1.5)",
       }) {
    EXPECT_EQ(message_of(messages_body(user, "{" + bad + "}")), generic_error) << bad;
  }
}

TEST(mock_tool_calls, ids_are_deterministic_and_distinct_within_an_answer) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < 200; ++i) ids.push_back(tool_call_id("request-1", i));
  for (const auto& id : ids) {
    ASSERT_EQ(id.size(), 29u) << id;
    EXPECT_TRUE(id.starts_with("call_"));
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef", 5), std::string::npos) << id;
  }
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(std::unique(ids.begin(), ids.end()), ids.end());
  EXPECT_EQ(tool_call_id("request-1", 3), tool_call_id("request-1", 3));
  EXPECT_NE(tool_call_id("request-1", 0), tool_call_id("request-2", 0));
}

TEST(mock_tool_calls, choose_tools_and_cut_arguments_at_code_points) {
  generation g;
  g.message_format = true;
  g.tools = {"a", "b", "c"};
  g.last_role = "user";
  g.last_user_content = "q\"\\\n\xF0\x9F\x98\x80";  // q " \ newline 😀
  EXPECT_TRUE(answers_with_tools(g));
  auto calls = plan_tool_calls(g, "r");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].name, "a");
  EXPECT_EQ(calls[0].id, tool_call_id("r", 0));
  EXPECT_EQ(calls[0].arguments, "{\"query\":\"q\\\"\\\\\\n\xF0\x9F\x98\x80\"}");
  g.parallel_tool_calls = true;
  calls = plan_tool_calls(g, "r");
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].name, "c");
  EXPECT_EQ(calls[2].id, tool_call_id("r", 2));
  g.choice = tool_choice::named;
  g.chosen_tool = "b";
  ASSERT_EQ(plan_tool_calls(g, "r").size(), 1u);
  EXPECT_EQ(plan_tool_calls(g, "r")[0].name, "b");

  // Even one chunk gives three fragments; many chunks give one code point each, emoji whole.
  const auto few = fragment_calls(calls, 1);
  ASSERT_EQ(few.size(), 9u);
  std::string joined;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(few[i].call, 0u);
    EXPECT_EQ(few[i].first, i == 0);
    joined += few[i].arguments;
  }
  EXPECT_EQ(joined, calls[0].arguments);
  const auto many = fragment_calls({calls[0]}, 1000);
  EXPECT_EQ(many.size(), 20u);
  EXPECT_EQ(many[many.size() - 3].arguments, "\xF0\x9F\x98\x80");

  g.choice = tool_choice::none;
  EXPECT_FALSE(answers_with_tools(g));
  g.choice = tool_choice::automatic;
  g.last_role = "tool";
  EXPECT_FALSE(answers_with_tools(g));
  g.last_role = "user";
  g.message_format = false;
  EXPECT_FALSE(answers_with_tools(g));
}

TEST(mock_script, an_interval_spaces_every_event_and_the_first_byte_waits) {
  options o;
  o.chunks = 3;
  o.chunk_interval_ms = 20;
  o.first_byte_ms = 50;
  mock_state state(o);
  const auto s = plan_for(state, user_body("abcd"), true);
  ASSERT_EQ(s.steps.size(), 4u);  // head + event 1, events 2 and 3, the final event
  EXPECT_EQ(s.steps[0].delay_ms, 50);
  EXPECT_TRUE(s.steps[0].bytes.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(s.steps[0].bytes.find("id:1\n"), std::string::npos);
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(s.steps[i].delay_ms, 20);
  EXPECT_TRUE(s.steps[3].bytes.ends_with("\r\n0\r\n\r\n"));
  EXPECT_EQ(s.end, ending::close);
  EXPECT_TRUE(s.tracked);
}

TEST(mock_script, without_intervals_a_stream_is_one_write) {
  mock_state state(options{});
  const auto s = plan_for(state, user_body("abcdefghijklmnop"), true);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].delay_ms, 0);
  EXPECT_NE(s.steps[0].bytes.find("id:9\nevent:result"), std::string::npos);
}

TEST(mock_script, faults_end_as_scripted) {
  mock_state state(options{});
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-first]]"), false).steps.size(), 0u);
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-first]]"), false).end, ending::stall);
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-mid]]"), true).end, ending::stall);
  EXPECT_EQ(plan_for(state, user_body("[[fault:drop-mid]]"), false).end, ending::drop);
  EXPECT_EQ(plan_for(state, user_body("[[fault:throttle]]"), false).end, ending::keep_alive);
  EXPECT_EQ(plan_for(state, user_body("[[fault:throttle]]"), false, false).end, ending::close);
  EXPECT_EQ(plan_for(state, user_body("[[fault:reset]]"), true).end, ending::reset);
  EXPECT_EQ(plan_for(state, user_body("[[fault:reset]]"), true).steps.size(), 0u);
  EXPECT_FALSE(plan_for(state, user_body("x"), false).tracked);
  EXPECT_EQ(state.counters().requests, 9);
}

TEST(mock_script, mid_stream_faults_strike_tool_call_streams_half_way) {
  mock_state state(options{});
  const std::string tools = R"({"result_format":"message","incremental_output":true,)"
                            R"("tools":[{"type":"function","function":{"name":"f"}}]})";
  // 8 fragments: 7 events and the final one; the fault strikes after 3.
  const auto s = plan_for(
      state, messages_body(R"([{"role":"user","content":"[[fault:drop-mid]]"}])", tools), true);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_NE(s.steps[0].bytes.find("id:3\n"), std::string::npos);
  EXPECT_EQ(s.steps[0].bytes.find("id:4\n"), std::string::npos);
  EXPECT_EQ(s.steps[0].bytes.find("tool_calls\"}"), std::string::npos);
  EXPECT_EQ(s.end, ending::drop);
  const auto whole =
      plan_for(state, messages_body(R"([{"role":"user","content":"x"}])", tools), true);
  ASSERT_EQ(whole.steps.size(), 1u);
  EXPECT_NE(whole.steps[0].bytes.find("id:8\n"), std::string::npos);
  EXPECT_EQ(whole.steps[0].bytes.find("id:9\n"), std::string::npos);
  EXPECT_NE(whole.steps[0].bytes.find(R"("finish_reason":"tool_calls")"), std::string::npos);
}

TEST(mock_script, control_requests_are_not_counted) {
  mock_state state(options{});
  incoming in;
  in.method = "GET";
  in.target = "/mock/stats?x=1";
  const auto s = plan(in, state);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_NE(s.steps[0].bytes.find(R"({"requests":0,)"), std::string::npos) << s.steps[0].bytes;
  EXPECT_EQ(s.end, ending::keep_alive);
}

}  // namespace
}  // namespace qgate::mock
