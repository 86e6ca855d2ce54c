// The OpenAI-compatible call builder: URL rules, headers, and a body read back by a real parser
// with every field (hostile strings included); and build_call choosing the provider.
#include "upstream/generation_request.hpp"
#include "upstream/openai_request.hpp"
#include "upstream/provider.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

namespace {

using namespace qgate;
using upstream::provider_kind;

const std::string hostile = "\"}\\\n\t\x01</script>\u2028 表情😀";

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  return root;
}

std::string_view text(simdjson::simdjson_result<simdjson::dom::element> field) {
  std::string_view value;
  EXPECT_EQ(field.get(value), simdjson::SUCCESS);
  return value;
}

bool has_header(const upstream::http_call& call, std::string_view header) {
  return std::find(call.headers.begin(), call.headers.end(), header) != call.headers.end();
}

TEST(openai_upstream_request, url_rules) {
  EXPECT_EQ(upstream::openai_chat_url("https://dashscope.aliyuncs.com/compatible-mode/v1"),
            "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions");
  EXPECT_EQ(upstream::openai_chat_url("http://vllm:8000/v1/"),
            "http://vllm:8000/v1/chat/completions");
  EXPECT_EQ(upstream::openai_chat_url("http://ollama:11434"),
            "http://ollama:11434/v1/chat/completions");
  EXPECT_EQ(upstream::openai_chat_url("http://sglang:30000//"),
            "http://sglang:30000/v1/chat/completions");
  EXPECT_EQ(upstream::openai_chat_url("http://h/v1beta"), "http://h/v1beta/v1/chat/completions");
}

TEST(openai_upstream_request, golden_unary_call) {
  chat_request request;
  request.model = "qwen-plus";
  request.messages = {{chat_role::user, "hi"}};
  request.request_id = "abc";
  const auto call = upstream::build_openai_call(request, "http://vllm:8000/v1", "sk-1");
  EXPECT_EQ(call.kind, provider_kind::openai);
  EXPECT_FALSE(call.stream);
  EXPECT_EQ(call.url, "http://vllm:8000/v1/chat/completions");
  EXPECT_EQ(call.body,
            R"({"model":"qwen-plus","messages":[{"role":"user","content":"hi"}],"stream":false})");
  const std::vector<std::string> headers = {"Authorization: Bearer sk-1",
                                            "Content-Type: application/json",
                                            "Accept: application/json", "X-Request-Id: abc"};
  EXPECT_EQ(call.headers, headers);
}

TEST(openai_upstream_request, stream_asks_for_usage_and_a_keyless_server_gets_no_authorization) {
  chat_request request;
  request.model = "Qwen/Qwen3-8B";
  request.messages = {{chat_role::user, "x"}};
  request.stream = true;
  const auto call = upstream::build_openai_call(request, "http://vllm:8000/v1", "");
  EXPECT_TRUE(call.stream);
  EXPECT_TRUE(has_header(call, "Accept: text/event-stream"));
  EXPECT_TRUE(has_header(call, "Content-Type: application/json"));
  for (const auto& header : call.headers) EXPECT_FALSE(header.starts_with("Authorization"));
  EXPECT_NE(call.body.find(R"("stream":true,"stream_options":{"include_usage":true})"),
            std::string::npos);
}

TEST(openai_upstream_request, every_field_reads_back) {
  chat_request request;
  request.model = "qwen3-max";
  request.stream = true;
  request.temperature = 0.7;
  request.top_p = 0.8;
  request.max_tokens = 100;
  chat_message called(chat_role::assistant, "");
  called.tool_calls = {{"call_a", "get_weather", R"({"q":"杭州"})"}, {"call_b", "get_time", "{}"}};
  chat_message answer(chat_role::tool, "晴");
  answer.tool_call_id = "call_a";
  request.messages = {{chat_role::system, "be brief"},
                      {chat_role::user, "天气?"},
                      called,
                      answer,
                      {chat_role::assistant, "好"}};
  auto& options = request.options;
  options.stop = {"\n\n", "END"};
  options.seed = 42;
  options.presence_penalty = -0.5;
  options.repetition_penalty = 1.05;
  options.top_k = 20;
  options.tools = R"([{"type":"function","function":{"name":"get_weather","parameters":{}}}])";
  options.tool_choice = R"({"type":"function","function":{"name":"get_weather"}})";
  options.parallel_tool_calls = true;
  options.response_format = R"({"type":"json_object"})";
  options.enable_thinking = false;
  options.thinking_budget = 512;
  options.enable_search = true;

  simdjson::dom::parser parser;
  const auto root = parse(parser, upstream::openai_chat_body(request));
  EXPECT_EQ(text(root["model"]), "qwen3-max");
  EXPECT_EQ(root["stream"].get_bool().value(), true);
  EXPECT_EQ(root["stream_options"]["include_usage"].get_bool().value(), true);
  EXPECT_EQ(root["temperature"].get_double().value(), 0.7);
  EXPECT_EQ(root["top_p"].get_double().value(), 0.8);
  EXPECT_EQ(root["max_tokens"].get_int64().value(), 100);
  EXPECT_EQ(text(root["stop"].at(0)), "\n\n");
  EXPECT_EQ(text(root["stop"].at(1)), "END");
  EXPECT_EQ(root["seed"].get_int64().value(), 42);
  EXPECT_EQ(root["presence_penalty"].get_double().value(), -0.5);
  EXPECT_EQ(root["repetition_penalty"].get_double().value(), 1.05);
  EXPECT_EQ(root["top_k"].get_int64().value(), 20);
  EXPECT_EQ(text(root["tools"].at(0)["function"]["name"]), "get_weather");
  EXPECT_EQ(text(root["tool_choice"]["function"]["name"]), "get_weather");
  EXPECT_EQ(root["parallel_tool_calls"].get_bool().value(), true);
  EXPECT_EQ(text(root["response_format"]["type"]), "json_object");
  EXPECT_EQ(root["enable_thinking"].get_bool().value(), false);
  EXPECT_EQ(root["thinking_budget"].get_int64().value(), 512);
  EXPECT_EQ(root["enable_search"].get_bool().value(), true);
  // DashScope's native envelope has no place here.
  EXPECT_NE(root["input"].error(), simdjson::SUCCESS);
  EXPECT_NE(root["parameters"].error(), simdjson::SUCCESS);

  const auto messages = root["messages"];
  EXPECT_EQ(text(messages.at(0)["role"]), "system");
  EXPECT_EQ(text(messages.at(1)["content"]), "天气?");
  const auto tool_turn = messages.at(2);
  EXPECT_EQ(text(tool_turn["role"]), "assistant");
  EXPECT_TRUE(tool_turn["content"].is_null());
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["id"]), "call_a");
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["type"]), "function");
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["function"]["name"]), "get_weather");
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["function"]["arguments"]), R"({"q":"杭州"})");
  EXPECT_EQ(text(tool_turn["tool_calls"].at(1)["id"]), "call_b");
  EXPECT_EQ(text(messages.at(3)["role"]), "tool");
  EXPECT_EQ(text(messages.at(3)["content"]), "晴");
  EXPECT_EQ(text(messages.at(3)["tool_call_id"]), "call_a");
  EXPECT_EQ(text(messages.at(4)["content"]), "好");
  EXPECT_NE(messages.at(4)["tool_calls"].error(), simdjson::SUCCESS);
  EXPECT_NE(messages.at(1)["tool_call_id"].error(), simdjson::SUCCESS);
}

TEST(openai_upstream_request, hostile_strings_survive) {
  chat_request request;
  request.model = hostile;
  chat_message called(chat_role::assistant, hostile);
  called.tool_calls = {{hostile, hostile, hostile}};
  chat_message answer(chat_role::tool, hostile);
  answer.tool_call_id = hostile;
  request.messages = {{chat_role::user, std::string("\"}\\\x01\xff", 5)}, called, answer};
  request.options.stop = {hostile};
  simdjson::dom::parser parser;
  const auto root = parse(parser, upstream::openai_chat_body(request));
  EXPECT_EQ(text(root["model"]), hostile);
  EXPECT_EQ(text(root["messages"].at(0)["content"]), "\"}\\\x01\xEF\xBF\xBD");
  const auto tool_turn = root["messages"].at(1);
  EXPECT_EQ(text(tool_turn["content"]), hostile);
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["id"]), hostile);
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["function"]["name"]), hostile);
  EXPECT_EQ(text(tool_turn["tool_calls"].at(0)["function"]["arguments"]), hostile);
  EXPECT_EQ(text(root["messages"].at(2)["tool_call_id"]), hostile);
  EXPECT_EQ(text(root["stop"].at(0)), hostile);
}

TEST(provider_build_call, chooses_the_provider_and_marks_the_call) {
  chat_request request;
  request.model = "qwen-plus";
  request.messages = {{chat_role::user, "hi"}};
  request.stream = true;
  const auto native = upstream::build_call(provider_kind::dashscope, request,
                                           "https://dashscope.aliyuncs.com", "sk-1");
  const auto reference =
      upstream::build_generation_call(request, "https://dashscope.aliyuncs.com", "sk-1");
  EXPECT_EQ(native.kind, provider_kind::dashscope);
  EXPECT_EQ(native.url, reference.url);
  EXPECT_EQ(native.body, reference.body);
  EXPECT_EQ(native.headers, reference.headers);
  const auto compatible = upstream::build_call(
      provider_kind::openai, request, "https://dashscope.aliyuncs.com/compatible-mode/v1", "sk-1");
  EXPECT_EQ(compatible.kind, provider_kind::openai);
  EXPECT_TRUE(compatible.stream);
  EXPECT_EQ(compatible.url, "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions");
  EXPECT_TRUE(has_header(compatible, "Authorization: Bearer sk-1"));
}

}  // namespace
