#include "http/chat_request_parser.hpp"

#include "http/error_mapping.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;
using qgate::http::parse_chat_request;

std::string message_of(std::string_view body) {
  auto parsed = parse_chat_request(body);
  EXPECT_FALSE(parsed.has_value()) << body;
  if (parsed) return {};
  return http::map_error(parsed.error()).message;
}

errc code_of(std::string_view body) {
  auto parsed = parse_chat_request(body);
  return parsed ? errc::internal_error : parsed.error().code;
}

TEST(chat_request_parser, full_request) {
  auto parsed = parse_chat_request(
      R"({"model":"qwen-turbo","messages":[{"role":"system","content":"s"},{"role":"user","content":"你好"}],)"
      R"("stream":true,"temperature":0.7,"top_p":1,"max_tokens":64,"unknown":{"x":1}})");
  ASSERT_TRUE(parsed.has_value());
  const auto& request = parsed.value();
  EXPECT_EQ(request.model, "qwen-turbo");
  ASSERT_EQ(request.messages.size(), 2u);
  EXPECT_EQ(request.messages[1].role, chat_role::user);
  EXPECT_EQ(request.messages[1].content, "你好");
  EXPECT_TRUE(request.stream);
  EXPECT_DOUBLE_EQ(*request.temperature, 0.7);
  EXPECT_DOUBLE_EQ(*request.top_p, 1.0);
  EXPECT_EQ(*request.max_tokens, 64);
}

TEST(chat_request_parser, defaults_and_nulls) {
  auto parsed = parse_chat_request(
      R"({"model":"qwen-plus","messages":[{"role":"user","content":"x"}],"stream":null,"temperature":null})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed.value().stream);
  EXPECT_FALSE(parsed.value().temperature.has_value());
}

TEST(chat_request_parser, spec_messages_are_exact) {
  EXPECT_EQ(message_of(R"({"model":"qwen-turbo","messages":[]})"), "消息列表不能为空");
  EXPECT_EQ(message_of(R"({"model":"qwen-turbo"})"), "消息列表不能为空");
  EXPECT_EQ(message_of(R"({"messages":[{"role":"user","content":"x"}]})"),
            "无效的模型名称或模型类型不匹配");
  EXPECT_EQ(message_of(R"({"model":"","messages":[{"role":"user","content":"x"}]})"),
            "无效的模型名称或模型类型不匹配");
}

TEST(chat_request_parser, message_format_errors_name_the_field) {
  const std::string prefix = R"({"model":"m","messages":)";
  EXPECT_EQ(code_of(prefix + R"("x"})"), errc::invalid_messages);
  EXPECT_EQ(message_of(prefix + R"([{"role":"robot","content":"x"}]})"),
            "消息格式错误:messages[0].role 必须是 system、user 或 assistant");
  EXPECT_EQ(message_of(prefix + R"([{"role":"user","content":1}]})"),
            "消息格式错误:messages[0].content 必须是字符串");
  EXPECT_EQ(message_of(prefix + R"([{"role":"user"}]})"), "消息格式错误:messages[0].content 缺失");
  EXPECT_EQ(message_of(prefix + R"([{"content":"x"}]})"), "消息格式错误:messages[0].role 缺失");
  EXPECT_EQ(message_of(prefix + R"([{"role":"user","content":"x"},3]})"),
            "消息格式错误:messages[1] 必须是对象");
  EXPECT_EQ(message_of(prefix + R"([{"role":"user","content":""}]})"),
            "消息格式错误:messages[0].content 不能为空");
  EXPECT_EQ(code_of(prefix + R"([{"role":"assistant","content":"x"}]})"), errc::invalid_messages);
}

TEST(chat_request_parser, parameter_errors_name_the_field) {
  const std::string prefix = R"({"model":"m","messages":[{"role":"user","content":"x"}],)";
  EXPECT_EQ(message_of(prefix + R"("temperature":2})"),
            "参数错误:temperature 必须在 [0, 2) 范围内");
  EXPECT_EQ(message_of(prefix + R"("temperature":-0.1})"),
            "参数错误:temperature 必须在 [0, 2) 范围内");
  EXPECT_EQ(message_of(prefix + R"("temperature":"hot"})"), "参数错误:temperature 必须是数字");
  EXPECT_EQ(message_of(prefix + R"("temperature":true})"), "参数错误:temperature 必须是数字");
  EXPECT_EQ(message_of(prefix + R"("top_p":0})"), "参数错误:top_p 必须在 (0, 1] 范围内");
  EXPECT_EQ(message_of(prefix + R"("top_p":1.01})"), "参数错误:top_p 必须在 (0, 1] 范围内");
  EXPECT_EQ(message_of(prefix + R"("max_tokens":0})"),
            "参数错误:max_tokens 必须在 [1, 1000000] 范围内");
  EXPECT_EQ(message_of(prefix + R"("max_tokens":1.5})"), "参数错误:max_tokens 必须是正整数");
  EXPECT_EQ(message_of(prefix + R"("max_tokens":"10"})"), "参数错误:max_tokens 必须是正整数");
  EXPECT_EQ(message_of(prefix + R"("stream":"yes"})"), "参数错误:stream 必须是布尔值");
  EXPECT_EQ(message_of(R"({"model":7,"messages":[{"role":"user","content":"x"}]})"),
            "参数错误:model 必须是字符串");
}

TEST(chat_request_parser, not_json) {
  EXPECT_EQ(message_of(""), "参数错误:请求体不是有效的 JSON");
  EXPECT_EQ(message_of("{\"model\":"), "参数错误:请求体不是有效的 JSON");
  EXPECT_EQ(message_of("[1,2]"), "参数错误:请求体必须是 JSON 对象");
  EXPECT_EQ(message_of("model=qwen"), "参数错误:请求体不是有效的 JSON");
  EXPECT_EQ(code_of(std::string("\xff\xfe{}", 4)), errc::invalid_params);
}

}  // namespace
