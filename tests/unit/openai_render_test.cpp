// The OpenAI door's rendering alone: golden chunk transcripts byte for byte, bodies read back by a
// real parser (hostile strings included), and the one errc → OpenAI error mapping.
#include "http/openai_render.hpp"

#include "messages/error_mapping.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

namespace {

using namespace qgate;
using http::openai_reply_context;
using http::openai_stream;

const openai_reply_context context{"chatcmpl-r1", 1700000000, "qwen-plus", false};
const std::string hostile = "\"\\\n\t\x01</script>\u2028 表情😀";

const char* const head =
    R"(data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,)"
    R"("model":"qwen-plus","choices":[{"index":0,"delta":{)";

std::string chunk(std::string_view delta, std::string_view finish = "null",
                  bool usage_field = false) {
  return std::string(head) + std::string(delta) + R"(},"logprobs":null,"finish_reason":)" +
         std::string(finish) + "}]" + (usage_field ? R"(,"usage":null)" : "") + "}\n\n";
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(json).get(root), simdjson::SUCCESS) << json;
  return root;
}

TEST(openai_render, text_stream_golden) {
  openai_stream stream(context);
  std::string out;
  stream.append(out, {"你好", std::nullopt});
  stream.append(out, {"", std::nullopt});  // an empty step sends nothing
  stream.append(out, {"!", finish_reason::stop, {10, 2, 12}});
  EXPECT_EQ(out, chunk(R"("role":"assistant","content":"你好")") + chunk(R"("content":"!")") +
                     chunk("", R"("stop")") + "data: [DONE]\n\n");
}

TEST(openai_render, include_usage_adds_a_usage_chunk_and_null_usage_elsewhere) {
  auto with_usage = context;
  with_usage.include_usage = true;
  openai_stream stream(with_usage);
  std::string out;
  token_usage usage{10, 2, 12};
  usage.cached_tokens = 4;
  usage.reasoning_tokens = 1;
  stream.append(out, {"", finish_reason::length, usage});
  EXPECT_EQ(
      out, chunk(R"("role":"assistant","content":"")", "null", true) +
               chunk("", R"("length")", true) +
               R"(data: {"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,)"
               R"("model":"qwen-plus","choices":[],"usage":{"prompt_tokens":10,)"
               R"("completion_tokens":2,"total_tokens":12,"prompt_tokens_details":)"
               R"({"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}})"
               "\n\ndata: [DONE]\n\n");
}

TEST(openai_render, tool_call_fragments_golden) {
  openai_stream stream(context);
  std::string out;
  chat_delta first;
  first.tool_calls = {{0, "call_a", "get_weather", R"({"q":)"}};
  stream.append(out, first);
  chat_delta second;
  second.tool_calls = {{0, "", "", R"("杭州"})"}, {1, "call_b", "get_time", ""}};
  stream.append(out, second);
  chat_delta last;
  last.tool_calls = {{1, "", "", "{}"}};
  last.finish = finish_reason::tool_calls;
  stream.append(out, last);
  EXPECT_EQ(out,
            chunk(R"("role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function",)"
                  R"("function":{"name":"get_weather","arguments":"{\"q\":"}}])") +
                chunk(R"("tool_calls":[{"index":0,"function":{"arguments":"\"杭州\"}"}},)"
                      R"({"index":1,"id":"call_b","type":"function","function":{"name":"get_time",)"
                      R"("arguments":""}}])") +
                chunk(R"("tool_calls":[{"index":1,"function":{"arguments":"{}"}}])") +
                chunk("", R"("tool_calls")") + "data: [DONE]\n\n");
}

TEST(openai_render, a_stop_after_tool_calls_is_reported_as_tool_calls) {
  openai_stream stream(context);
  std::string out;
  chat_delta call;
  call.tool_calls = {{0, "call_a", "f", "{}"}};
  call.finish = finish_reason::stop;
  stream.append(out, call);
  EXPECT_NE(out.find(R"("finish_reason":"tool_calls")"), std::string::npos) << out;
}

TEST(openai_render, reasoning_then_content) {
  openai_stream stream(context);
  std::string out;
  chat_delta think;
  think.reasoning_content = "think:";
  stream.append(out, think);
  stream.append(out, {"答", finish_reason::stop, {}});
  EXPECT_EQ(out, chunk(R"("role":"assistant","reasoning_content":"think:")") +
                     chunk(R"("content":"答")") + chunk("", R"("stop")") + "data: [DONE]\n\n");
}

TEST(openai_render, every_chunk_is_json_with_hostile_text) {
  auto with_usage = context;
  with_usage.model = hostile;
  with_usage.id = hostile;
  with_usage.include_usage = true;
  openai_stream stream(with_usage);
  std::string out;
  chat_delta delta{hostile, std::nullopt};
  delta.reasoning_content = hostile;
  delta.tool_calls = {{0, hostile, hostile, hostile}};
  stream.append(out, delta);
  stream.append(out, {hostile, finish_reason::content_filter, {}});
  simdjson::dom::parser parser;
  std::size_t chunks = 0;
  std::size_t at = 0;
  while ((at = out.find("data: ", at)) != std::string::npos) {
    const auto end = out.find("\n\n", at);
    ASSERT_NE(end, std::string::npos);
    const std::string data = out.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") continue;
    ++chunks;
    const auto root = parse(parser, data);
    EXPECT_EQ(std::string_view(root["model"]), hostile);
  }
  EXPECT_EQ(chunks, 4u);  // first step, second content, finish, usage
  EXPECT_NE(out.find(R"("finish_reason":"content_filter")"), std::string::npos);
}

TEST(openai_render, completion_body_with_tools_reasoning_and_hostile_text) {
  chat_completion completion{"", finish_reason::stop, {20, 5, 25}};
  completion.usage.cached_tokens = 8;
  completion.reasoning_content = hostile;
  completion.tool_calls = {{"call_a", "get_weather", hostile}, {"call_b", hostile, "{}"}};
  const auto body = http::openai_completion_body(context, completion);
  simdjson::dom::parser parser;
  const auto root = parse(parser, body);
  EXPECT_EQ(std::string_view(root["id"]), "chatcmpl-r1");
  EXPECT_EQ(std::string_view(root["object"]), "chat.completion");
  EXPECT_EQ(int64_t(root["created"]), 1700000000);
  EXPECT_EQ(std::string_view(root["model"]), "qwen-plus");
  const auto choice = root["choices"].at(0);
  EXPECT_EQ(int64_t(choice["index"]), 0);
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "tool_calls");
  const auto message = choice["message"];
  EXPECT_EQ(std::string_view(message["role"]), "assistant");
  EXPECT_TRUE(message["content"].is_null());  // only tool calls: content null, as OpenAI's
  EXPECT_EQ(std::string_view(message["reasoning_content"]), hostile);
  EXPECT_EQ(std::string_view(message["tool_calls"].at(0)["function"]["arguments"]), hostile);
  EXPECT_EQ(std::string_view(message["tool_calls"].at(1)["function"]["name"]), hostile);
  EXPECT_EQ(std::string_view(message["tool_calls"].at(1)["type"]), "function");
  EXPECT_EQ(int64_t(root["usage"]["prompt_tokens"]), 20);
  EXPECT_EQ(int64_t(root["usage"]["completion_tokens"]), 5);
  EXPECT_EQ(int64_t(root["usage"]["total_tokens"]), 25);
  EXPECT_EQ(int64_t(root["usage"]["prompt_tokens_details"]["cached_tokens"]), 8);
}

TEST(openai_render, plain_completion_has_string_content_and_its_finish) {
  const auto body =
      http::openai_completion_body(context, {hostile, finish_reason::length, {1, 2, 3}});
  simdjson::dom::parser parser;
  const auto root = parse(parser, body);
  EXPECT_EQ(std::string_view(root["choices"].at(0)["message"]["content"]), hostile);
  EXPECT_EQ(std::string_view(root["choices"].at(0)["finish_reason"]), "length");
  EXPECT_TRUE(root["choices"].at(0)["message"]["tool_calls"].error());
}

TEST(openai_render, models_list_and_one_model) {
  model_info model;
  model.title = hostile;
  model.created_at = "2025-01-02T03:04:05";
  const auto list = http::openai_models_body({model});
  simdjson::dom::parser parser;
  const auto root = parse(parser, list);
  EXPECT_EQ(std::string_view(root["object"]), "list");
  const auto item = root["data"].at(0);
  EXPECT_EQ(std::string_view(item["id"]), hostile);
  EXPECT_EQ(std::string_view(item["object"]), "model");
  EXPECT_EQ(int64_t(item["created"]), 1735787045);
  EXPECT_EQ(std::string_view(item["owned_by"]), "alibaba");
  EXPECT_EQ(http::openai_models_body({}), R"({"object":"list","data":[]})");
  model.created_at = "garbage";
  const auto one = parse(parser, http::openai_model_body(model));
  EXPECT_EQ(int64_t(one["created"]), 0);
}

TEST(openai_render, every_error_maps_to_an_openai_error_with_the_seed_status) {
  simdjson::dom::parser parser;
  for (const auto code : all_errcs) {
    const error err = make_error(code, hostile, "messages[0].content");
    const auto mapped = http::map_openai_error(err);
    // The same status as the seed's API, except an unknown model (404, as OpenAI answers it) and
    // qgate's own upstream key refused (502: not the caller's key).
    const unsigned expected = code == errc::invalid_model           ? 404
                              : code == errc::upstream_unauthorized ? 502
                                                                    : map_error(err).status;
    EXPECT_EQ(mapped.status, expected) << static_cast<int>(code);
    const auto root = parse(parser, http::openai_error_body(err));
    const auto inner = root["error"];
    EXPECT_TRUE(inner["message"].is_string());
    EXPECT_TRUE(inner["type"].is_string());
    EXPECT_EQ(std::string_view(inner["param"]), "messages[0].content");
    EXPECT_TRUE(inner["code"].is_string() || inner["code"].is_null());
    const auto frame = http::openai_error_frame(err);
    EXPECT_TRUE(frame.starts_with("data: {\"error\":"));
    EXPECT_TRUE(frame.ends_with("}\n\n"));
    EXPECT_EQ(frame.find("[DONE]"), std::string::npos);  // a failed stream does not end cleanly
  }
}

TEST(openai_render, the_codes_clients_look_for) {
  const auto code_of = [](errc code) {
    return std::string(http::map_openai_error(make_error(code)).code);
  };
  EXPECT_EQ(code_of(errc::invalid_model), "model_not_found");
  EXPECT_EQ(code_of(errc::unauthorized), "invalid_api_key");
  // qgate's own DashScope key refused: the caller's key is fine, so no 401 for the SDK.
  const auto upstream_key = http::map_openai_error(make_error(errc::upstream_unauthorized));
  EXPECT_EQ(upstream_key.status, 502u);
  EXPECT_EQ(upstream_key.code, "upstream_auth_failed");
  EXPECT_EQ(code_of(errc::rate_limited), "rate_limit_exceeded");
  EXPECT_EQ(http::map_openai_error(make_error(errc::invalid_params)).type, "invalid_request_error");
  // An unknown model names the `model` field even when the catalog found it out.
  simdjson::dom::parser parser;
  const auto root =
      parse(parser, http::openai_error_body(make_error(errc::invalid_model, "qwen-nope")));
  EXPECT_EQ(std::string_view(root["error"]["param"]), "model");
  EXPECT_NE(std::string_view(root["error"]["message"]).find("qwen-nope"), std::string::npos);
}

TEST(openai_render, an_upstream_refusal_is_the_callers_400_and_a_failure_a_502) {
  auto refused = make_error(errc::upstream_error,
                            "InvalidParameter: Range of input length should be [1, 129024]");
  refused.upstream_status = 400;
  const auto too_long = http::map_openai_error(refused);
  EXPECT_EQ(too_long.status, 400u);
  EXPECT_EQ(too_long.type, "invalid_request_error");
  EXPECT_EQ(too_long.code, "context_length_exceeded");
  EXPECT_NE(too_long.message.find("Range of input length"), std::string::npos);
  refused.detail = "InvalidParameter: Temperature should be in [0.0, 2.0)";
  EXPECT_EQ(http::map_openai_error(refused).status, 400u);
  EXPECT_EQ(http::map_openai_error(refused).code, "");
  for (const long status : {0L, 403L, 404L, 500L, 503L}) {
    auto failed = make_error(errc::upstream_error, "x");
    failed.upstream_status = status;
    EXPECT_EQ(http::map_openai_error(failed).status, 502u) << status;
  }
  // The seed's API maps every DashScope error to 502, whatever the upstream said.
  EXPECT_EQ(map_error(refused).status, 502u);
}

}  // namespace
