#include "upstream/generation_request.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace {

using namespace qgate;

TEST(generation_request, golden_stream_body) {
  chat_request request;
  request.model = "qwen-turbo";
  request.messages = {{chat_role::system, "be \"brief\""}, {chat_role::user, "你好\n"}};
  request.stream = true;
  request.temperature = 0.7;
  request.top_p = 0.8;
  request.max_tokens = 100;
  EXPECT_EQ(
      upstream::generation_body(request),
      R"({"model":"qwen-turbo","input":{"messages":[{"role":"system","content":"be \"brief\""},)"
      R"({"role":"user","content":"你好\n"}]},"parameters":{"result_format":"message",)"
      R"("incremental_output":true,"temperature":0.7,"top_p":0.8,"max_tokens":100}})");
}

TEST(generation_request, golden_unary_call) {
  chat_request request;
  request.model = "qwen-max";
  request.messages = {{chat_role::user, "hi"}};
  request.request_id = "abc";
  const auto call = upstream::build_generation_call(request, "http://127.0.0.1:9/", "sk-1");
  EXPECT_EQ(call.url, "http://127.0.0.1:9/api/v1/services/aigc/text-generation/generation");
  EXPECT_EQ(call.body,
            R"({"model":"qwen-max","input":{"messages":[{"role":"user","content":"hi"}]},)"
            R"("parameters":{"result_format":"message","incremental_output":false}})");
  EXPECT_FALSE(call.stream);
  const std::vector<std::string> headers = {"Authorization: Bearer sk-1",
                                            "Content-Type: application/json",
                                            "Accept: application/json", "X-Request-Id: abc"};
  EXPECT_EQ(call.headers, headers);
}

TEST(generation_request, stream_headers_and_api_root_base) {
  chat_request request;
  request.model = "qwen-plus";
  request.messages = {{chat_role::user, "x"}};
  request.stream = true;
  const auto call = upstream::build_generation_call(request, "https://h/api/v1", "k");
  EXPECT_EQ(call.url, "https://h/api/v1/services/aigc/text-generation/generation");
  EXPECT_NE(std::find(call.headers.begin(), call.headers.end(), "X-DashScope-SSE: enable"),
            call.headers.end());
  EXPECT_NE(std::find(call.headers.begin(), call.headers.end(), "Accept: text/event-stream"),
            call.headers.end());
}

TEST(generation_request, hostile_content_stays_valid_json) {
  chat_request request;
  request.model = "qwen-turbo";
  request.messages = {{chat_role::user, std::string("\"}\\\x01\xff", 5)}};
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(upstream::generation_body(request)).get(root), simdjson::SUCCESS);
  std::string_view content;
  ASSERT_EQ(root["input"]["messages"].at(0)["content"].get(content), simdjson::SUCCESS);
  EXPECT_EQ(content, "\"}\\\x01\xEF\xBF\xBD");
}

}  // namespace
