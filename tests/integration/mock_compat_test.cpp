// The mock's OpenAI-compatible endpoint without sockets: request rules, error translation and
// where the stream faults cut its scripts.
#include "tools/mock_dashscope/mock_compat_render.hpp"
#include "tools/mock_dashscope/mock_compat_request.hpp"
#include "tools/mock_dashscope/mock_script.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace qgate::mock {
namespace {

const std::string user = R"([{"role":"user","content":"q"}])";

std::string compat_body(std::string_view extra, std::string_view messages = user) {
  return R"({"model":"qwen-plus","messages":)" + std::string(messages) + std::string(extra) + "}";
}

// "ok", or the error's status, code and message.
std::string outcome(std::string_view body, bool any_model = false) {
  const auto parsed = parse_compat(body, any_model);
  const auto* e = std::get_if<upstream_error>(&parsed);
  return e == nullptr ? std::string("ok")
                      : std::to_string(e->status) + " " + e->code + ": " + e->message;
}

const std::string generic =
    "400 InvalidParameter: Required parameter(s) missing or invalid, please check the request "
    "parameters.";

TEST(mock_compat_request, reads_openai_fields_at_the_top_level) {
  const auto parsed = parse_compat(
      compat_body(R"(,"stream":true,"stream_options":{"include_usage":true},"max_tokens":3,)"
                  R"("tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto",)"
                  R"("parallel_tool_calls":true,"enable_thinking":true,"thinking_budget":4,)"
                  R"("temperature":0.5,"n":1,"seed":7,"user":"u")"),
      false);
  ASSERT_TRUE(std::holds_alternative<compat_request>(parsed))
      << std::get<upstream_error>(parsed).message;
  const auto& r = std::get<compat_request>(parsed);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.g.model, "qwen-plus");
  EXPECT_EQ(r.g.max_tokens, 3);
  EXPECT_EQ(r.g.tools, (std::vector<std::string>{"f"}));
  EXPECT_TRUE(r.g.parallel_tool_calls);
  EXPECT_TRUE(r.g.enable_thinking);
  EXPECT_EQ(r.g.thinking_budget, 4);
  EXPECT_TRUE(r.g.message_format);
  EXPECT_TRUE(r.g.incremental);
  EXPECT_EQ(r.g.last_user_content, "q");

  const auto plain = std::get<compat_request>(parse_compat(compat_body(""), false));
  EXPECT_FALSE(plain.stream);
  EXPECT_FALSE(plain.include_usage);
  EXPECT_EQ(outcome(compat_body(R"(,"stream":null,"stream_options":null)")), "ok");
  const auto marked = std::get<compat_request>(parse_compat(
      compat_body("", R"([{"role":"user","content":"q [[cached:2]] [[chunks:3]]"}])"), false));
  EXPECT_EQ(marked.g.overrides.chunks, 3);
  EXPECT_EQ(marked.g.cached_tokens, 2);
}

TEST(mock_compat_request, rejects_what_the_native_endpoint_rejects) {
  EXPECT_EQ(outcome("not json"),
            "400 InvalidParameter: Required body invalid, please check the request body format.");
  EXPECT_EQ(outcome("[1]"),
            "400 InvalidParameter: Required body invalid, please check the request body format.");
  EXPECT_EQ(outcome(R"({"messages":[]})"),
            "400 BadRequest.EmptyModel: you must provide a model parameter.");
  EXPECT_EQ(
      outcome(R"({"model":"llama3","messages":[{"role":"user","content":"q"}]})"),
      "404 ModelNotFound: The model `llama3` does not exist or you do not have access to it.");
  EXPECT_EQ(outcome(R"({"model":"llama3","messages":[{"role":"user","content":"q"}]})", true),
            "ok");
  EXPECT_EQ(outcome(R"({"model":"qwen-plus"})"), generic);
  EXPECT_EQ(outcome(compat_body("", "[]")),
            "400 InvalidParameter: Role must be user or assistant and Content length must be "
            "greater than 0");
  EXPECT_EQ(outcome(compat_body("", R"([{"role":"user","content":7}])")),
            "400 InvalidParameter: input content must be a string.");
  EXPECT_EQ(outcome(compat_body(R"(,"temperature":2)")),
            "400 InvalidParameter: Temperature should be in [0.0, 2.0)");
  EXPECT_EQ(outcome(compat_body(R"(,"max_tokens":0)")),
            "400 InvalidParameter: Range of max_tokens should be [1, 8192]");
  for (const auto* bad :
       {R"(,"stream":"yes")", R"(,"stream_options":true)",
        R"(,"stream_options":{"include_usage":1})", R"(,"tools":[{"type":"function"}])",
        R"(,"tool_choice":"required")", R"(,"enable_thinking":"on")"}) {
    EXPECT_EQ(outcome(compat_body(bad)), generic) << bad;
  }
}

struct parsed_error {
  std::string message, type, code, request_id;
  bool param_null = false;
};

parsed_error read_compat_error(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  parsed_error e;
  if (parser.parse(json).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return e;
  }
  e.message = std::string_view(root["error"]["message"]);
  e.type = std::string_view(root["error"]["type"]);
  e.code = std::string_view(root["error"]["code"]);
  e.param_null = root["error"]["param"].is_null();
  e.request_id = std::string_view(root["request_id"]);
  return e;
}

TEST(mock_compat_render, errors_are_translated_as_the_compatible_mode_does) {
  const auto auth = read_compat_error(compat_error_json(*error_of(fault::auth), "rid-1"));
  EXPECT_EQ(auth.message, "Incorrect API key provided. ");
  EXPECT_EQ(auth.type, "invalid_request_error");
  EXPECT_EQ(auth.code, "invalid_api_key");
  EXPECT_TRUE(auth.param_null);
  EXPECT_EQ(auth.request_id, "rid-1");
  EXPECT_EQ(compat_error_json(*error_of(fault::auth), "r"),
            R"({"error":{"message":"Incorrect API key provided. ","type":"invalid_request_error",)"
            R"("param":null,"code":"invalid_api_key"},"request_id":"r"})");

  const auto inspect = read_compat_error(compat_error_json(*error_of(fault::inspect), "r"));
  EXPECT_EQ(inspect.code, "data_inspection_failed");
  EXPECT_EQ(inspect.message, "Input data may contain inappropriate content.");
  const auto length = read_compat_error(compat_error_json(*error_of(fault::context_length), "r"));
  EXPECT_EQ(length.type, "invalid_request_error");
  EXPECT_EQ(length.code, "invalid_parameter_error");
  EXPECT_EQ(length.message, "Range of input length should be [1, 129024]");
  EXPECT_EQ(read_compat_error(compat_error_json(*error_of(fault::throttle), "r")).code,
            "limit_requests");
  EXPECT_EQ(read_compat_error(compat_error_json(*error_of(fault::internal), "r")).code,
            "internal_error");
  const auto unavailable = read_compat_error(compat_error_json(*error_of(fault::unavailable), "r"));
  EXPECT_EQ(unavailable.code, "ModelUnavailable");
  EXPECT_EQ(unavailable.type, "ModelUnavailable");
  EXPECT_EQ(unavailable.message, "Model is unavailable, please try again later.");
}

script plan_compat_body(mock_state& state, std::string_view body) {
  incoming in;
  in.method = "POST";
  in.target = compat_path;
  in.authorization = "Bearer sk-qgate-mock";
  in.body = body;
  return plan(in, state);
}

std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(mock_compat_script, stream_faults_cut_after_half_the_tokens) {
  mock_state state(options{});
  const auto stream = [&](std::string_view fault) {
    return plan_compat_body(
        state, compat_body(R"(,"stream":true)", R"([{"role":"user","content":"abcdefghijklmnop )" +
                                                    std::string(fault) + R"("}])"));
  };
  const auto whole = stream("");
  ASSERT_EQ(whole.steps.size(), 1u);
  EXPECT_EQ(count(whole.steps[0].bytes, "data: "), 11u);  // role, 8 pieces, finish, [DONE]
  EXPECT_EQ(whole.end, ending::close);
  EXPECT_TRUE(whole.tracked);

  for (const auto& [fault, end] : std::vector<std::pair<std::string, ending>>{
           {"[[fault:stall-mid]]", ending::stall}, {"[[fault:drop-mid]]", ending::drop}}) {
    SCOPED_TRACE(fault);
    const auto cut = stream(fault);
    ASSERT_EQ(cut.steps.size(), 1u);
    EXPECT_EQ(count(cut.steps[0].bytes, "data: "), 5u);  // the role chunk and 4 of 8 pieces
    EXPECT_EQ(cut.steps[0].bytes.find("finish_reason\":\""), std::string::npos);
    EXPECT_FALSE(cut.steps[0].bytes.ends_with("0\r\n\r\n"));
    EXPECT_EQ(cut.end, end);
  }
  const auto no_end = stream("[[fault:no-end]]");
  EXPECT_EQ(count(no_end.steps[0].bytes, "data: "), 9u);
  EXPECT_EQ(no_end.steps[0].bytes.find("[DONE]"), std::string::npos);
  EXPECT_TRUE(no_end.steps[0].bytes.ends_with("\r\n0\r\n\r\n"));
  EXPECT_EQ(no_end.end, ending::close);

  const auto stalled = stream("[[fault:stall-first]]");
  EXPECT_TRUE(stalled.steps.empty());
  EXPECT_EQ(stalled.end, ending::stall);
  EXPECT_EQ(stream("[[fault:reset]]").end, ending::reset);
  const auto unary_stall = plan_compat_body(
      state, compat_body("", R"([{"role":"user","content":"x [[fault:stall-mid]]"}])"));
  EXPECT_EQ(unary_stall.end, ending::stall);
  EXPECT_NE(unary_stall.steps[0].bytes.find("Content-Length: "), std::string::npos);
}

TEST(mock_compat_script, intervals_space_the_chunks_and_the_first_byte_waits) {
  options o;
  o.chunks = 3;
  o.chunk_interval_ms = 20;
  o.first_byte_ms = 50;
  mock_state state(o);
  const auto s = plan_compat_body(state, compat_body(R"(,"stream":true)"));
  // "mock:q" in 3 pieces: head, role and piece 1; pieces 2 and 3; the finish chunk and [DONE].
  ASSERT_EQ(s.steps.size(), 4u);
  EXPECT_EQ(s.steps[0].delay_ms, 50);
  EXPECT_EQ(count(s.steps[0].bytes, "data: "), 2u);
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(s.steps[i].delay_ms, 20);
  EXPECT_NE(s.steps[3].bytes.find(R"("finish_reason":"stop")"), std::string::npos);
  EXPECT_TRUE(s.steps[3].bytes.ends_with("data: [DONE]\n\n\r\n0\r\n\r\n"));
}

}  // namespace
}  // namespace qgate::mock
