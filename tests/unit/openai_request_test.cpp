// The OpenAI door's request parser alone: what it takes, how it maps onto the gateway's request,
// and the 400 (naming the field) for everything out of range or beyond what DashScope can do.
#include "http/openai_request.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace {

using namespace qgate;
using qgate::http::parse_openai_chat;

// The param a body is refused for ("" when it is accepted).
std::string refused_param(std::string_view body) {
  auto parsed = parse_openai_chat(body);
  if (parsed) return "";
  EXPECT_EQ(parsed.error().code, errc::invalid_params) << body;
  EXPECT_FALSE(parsed.error().detail.empty()) << body;
  return parsed.error().param.empty() ? "<none>" : parsed.error().param;
}

TEST(openai_request, every_supported_field_reaches_the_request) {
  const auto parsed = parse_openai_chat(R"({
    "model": "qwen-plus",
    "messages": [
      {"role": "developer", "content": "be brief"},
      {"role": "user", "content": [{"type": "text", "text": "weather"}, {"type": "text", "text": "in 杭州?"}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"q\":\"杭州\"}"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "晴"}
    ],
    "stream": true, "stream_options": {"include_usage": true},
    "temperature": 0.5, "top_p": 0.9, "max_tokens": 10, "max_completion_tokens": 20,
    "stop": ["\n\n", "END"], "seed": 42, "presence_penalty": -1.5, "n": 1,
    "frequency_penalty": 0, "logprobs": false,
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    "parallel_tool_calls": true, "response_format": {"type": "json_object"}, "user": "u-1",
    "enable_thinking": true, "thinking_budget": 50, "enable_search": false, "top_k": 20,
    "repetition_penalty": 1.1, "some_future_field": {"ignored": true}
  })");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  const auto& chat = parsed.value();
  const auto& r = chat.request;
  EXPECT_TRUE(chat.include_usage);
  EXPECT_EQ(r.model, "qwen-plus");
  EXPECT_TRUE(r.stream);
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, chat_role::system);
  EXPECT_EQ(r.messages[1].content, "weather\nin 杭州?");
  EXPECT_EQ(r.messages[2].role, chat_role::assistant);
  EXPECT_EQ(r.messages[2].content, "");
  ASSERT_EQ(r.messages[2].tool_calls.size(), 1u);
  EXPECT_EQ(r.messages[2].tool_calls[0].id, "call_1");
  EXPECT_EQ(r.messages[2].tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.messages[2].tool_calls[0].arguments, R"({"q":"杭州"})");
  EXPECT_EQ(r.messages[3].role, chat_role::tool);
  EXPECT_EQ(r.messages[3].tool_call_id, "call_1");
  EXPECT_EQ(r.temperature, 0.5);
  EXPECT_EQ(r.top_p, 0.9);
  EXPECT_EQ(r.max_tokens, 20);  // max_completion_tokens wins
  const auto& o = r.options;
  EXPECT_EQ(o.stop, (std::vector<std::string>{"\n\n", "END"}));
  EXPECT_EQ(o.seed, 42);
  EXPECT_EQ(o.presence_penalty, -1.5);
  EXPECT_EQ(
      o.tools,
      R"([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}])");
  EXPECT_EQ(o.tool_choice, R"({"type":"function","function":{"name":"get_weather"}})");
  EXPECT_EQ(o.parallel_tool_calls, true);
  EXPECT_EQ(o.response_format, R"({"type":"json_object"})");
  EXPECT_EQ(o.enable_thinking, true);
  EXPECT_EQ(o.thinking_budget, 50);
  EXPECT_EQ(o.enable_search, false);
  EXPECT_EQ(o.top_k, 20);
  EXPECT_EQ(o.repetition_penalty, 1.1);
}

TEST(openai_request, minimal_body_and_nulls_mean_not_given) {
  const auto parsed = parse_openai_chat(
      R"({"model":"qwen-turbo","messages":[{"role":"user","content":"hi"}],"temperature":null,)"
      R"("stream":null,"stop":null,"tools":null,"response_format":{"type":"text"},"n":null})");
  ASSERT_TRUE(parsed);
  const auto& r = parsed.value().request;
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.temperature);
  EXPECT_TRUE(r.options.stop.empty());
  EXPECT_TRUE(r.options.tools.empty());
  EXPECT_TRUE(r.options.response_format.empty());  // text is the default: nothing to forward
  EXPECT_FALSE(parsed.value().include_usage);
}

TEST(openai_request, a_single_stop_string) {
  const auto parsed =
      parse_openai_chat(R"({"model":"m","messages":[{"role":"user","content":"x"}],"stop":"。"})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value().request.options.stop, std::vector<std::string>{"。"});
}

TEST(openai_request, out_of_range_and_wrong_types_name_the_field) {
  const std::string user = R"("messages":[{"role":"user","content":"x"}])";
  const struct {
    std::string body;
    std::string param;
  } cases[] = {
      {"not json", "<none>"},
      {"[1]", "<none>"},
      {"{" + user + "}", "model"},
      {R"({"model":"", )" + user + "}", "model"},
      {R"({"model":7, )" + user + "}", "model"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":{}})", "messages"},
      {R"({"model":"m","messages":[{"role":"system","content":"x"}]})", "messages"},
      {R"({"model":"m","messages":[7]})", "messages[0]"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"robot","content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user","content":""}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})",
       "messages[0].content[0]"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"tool","content":"r"}]})",
       "messages[1].tool_call_id"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}]})",
       "messages[1].tool_calls[0].id"},
      {R"({"model":"m",)" + user + R"(,"temperature":2})", "temperature"},
      {R"({"model":"m",)" + user + R"(,"temperature":-0.1})", "temperature"},
      {R"({"model":"m",)" + user + R"(,"temperature":"hot"})", "temperature"},
      {R"({"model":"m",)" + user + R"(,"temperature":true})", "temperature"},
      {R"({"model":"m",)" + user + R"(,"top_p":0})", "top_p"},
      {R"({"model":"m",)" + user + R"(,"top_p":1.5})", "top_p"},
      {R"({"model":"m",)" + user + R"(,"max_tokens":0})", "max_tokens"},
      {R"({"model":"m",)" + user + R"(,"max_tokens":1.5})", "max_tokens"},
      {R"({"model":"m",)" + user + R"(,"max_completion_tokens":-1})", "max_completion_tokens"},
      {R"({"model":"m",)" + user + R"(,"seed":-1})", "seed"},
      {R"({"model":"m",)" + user + R"(,"seed":2147483648})", "seed"},
      {R"({"model":"m",)" + user + R"(,"presence_penalty":2.5})", "presence_penalty"},
      {R"({"model":"m",)" + user + R"(,"repetition_penalty":0})", "repetition_penalty"},
      {R"({"model":"m",)" + user + R"(,"top_k":-1})", "top_k"},
      {R"({"model":"m",)" + user + R"(,"stop":[1]})", "stop"},
      {R"({"model":"m",)" + user + R"(,"stream":"yes"})", "stream"},
      {R"({"model":"m",)" + user + R"(,"stream_options":{"include_usage":true}})",
       "stream_options"},
      {R"({"model":"m",)" + user + R"(,"n":2})", "n"},
      {R"({"model":"m",)" + user + R"(,"frequency_penalty":0.5})", "frequency_penalty"},
      {R"({"model":"m",)" + user + R"(,"logprobs":true})", "logprobs"},
      {R"({"model":"m",)" + user + R"(,"top_logprobs":2})", "top_logprobs"},
      {R"({"model":"m",)" + user + R"(,"logit_bias":{"1":5}})", "logit_bias"},
      {R"({"model":"m",)" + user + R"(,"modalities":["text","audio"]})", "modalities"},
      {R"({"model":"m",)" + user + R"(,"tools":[{"type":"retrieval"}]})", "tools[0].type"},
      {R"({"model":"m",)" + user + R"(,"tools":[{"type":"function","function":{}}]})",
       "tools[0].function.name"},
      {R"({"model":"m",)" + user + R"(,"tool_choice":"auto"})", "tool_choice"},
      {R"({"model":"m",)" + user +
           R"(,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"})",
       "tool_choice"},
      {R"({"model":"m",)" + user + R"(,"response_format":{"type":"yaml"}})", "response_format"},
      {R"({"model":"m",)" + user + R"(,"enable_thinking":true})", "enable_thinking"},
      {R"({"model":"m",)" + user + R"(,"thinking_budget":0,"stream":true})", "thinking_budget"},
      {R"({"model":"m",)" + user + R"(,"user":5})", "user"},
  };
  for (const auto& c : cases) EXPECT_EQ(refused_param(c.body), c.param) << c.body;
}

TEST(openai_request, what_is_accepted_stays_accepted) {
  const std::string user = R"("model":"m","messages":[{"role":"user","content":"x"}])";
  for (const std::string extra :
       {R"(,"temperature":0)", R"(,"temperature":1.99)", R"(,"top_p":1)", R"(,"seed":0)",
        R"(,"presence_penalty":2)", R"(,"top_k":0)", R"(,"n":1)", R"(,"frequency_penalty":0)",
        R"(,"logit_bias":{})", R"(,"modalities":["text"])",
        R"(,"stream":true,"enable_thinking":true)", R"(,"tool_choice":null)",
        R"(,"metadata":{"a":"b"},"store":false,"service_tier":"auto")",
        R"(,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}})"}) {
    EXPECT_EQ(refused_param("{" + user + extra + "}"), "") << extra;
  }
}

TEST(openai_request, hostile_strings_survive_as_data) {
  const auto parsed = parse_openai_chat(
      R"({"model":"m\"}","messages":[{"role":"user","content":"\u0000\"}\\\u2028"}],)"
      R"("tools":[{"type":"function","function":{"name":"f\"}","description":"\u0001"}}]})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed.value().request.model, "m\"}");
  EXPECT_EQ(parsed.value().request.messages[0].content, std::string("\0\"}\\\u2028", 7));
  // The forwarded tools are JSON a real parser reads back to the same strings.
  simdjson::dom::parser parser;
  simdjson::dom::element tools;
  ASSERT_EQ(parser.parse(parsed.value().request.options.tools).get(tools), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(tools.at(0)["function"]["name"]), "f\"}");
  EXPECT_EQ(std::string_view(tools.at(0)["function"]["description"]), "\x01");
}

}  // namespace
