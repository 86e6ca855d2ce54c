// The two front doors side by side: the same gateway values rendered as the seed's API and as
// OpenAI's, including what each leaves out.
#include "http/dialect.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace {

using namespace qgate;

std::vector<model_info> catalog() {
  model_info turbo;
  turbo.id = 1;
  turbo.title = "qwen-turbo";
  model_info plus;
  plus.id = 2;
  plus.title = "qwen-plus";
  return {turbo, plus};
}

TEST(dialect, the_seed_stream_carries_content_only) {
  auto seed = http::seed_dialect();
  std::string out;
  chat_delta thinking;
  thinking.reasoning_content = "think";
  seed->append_frames(out, thinking);
  chat_delta call;
  call.tool_calls = {{0, "call_a", "f", "{}"}};
  seed->append_frames(out, call);
  EXPECT_EQ(out, "");
  seed->append_frames(out, {"答", std::nullopt});
  seed->append_frames(out, {"", finish_reason::stop, {1, 1, 2}});
  EXPECT_EQ(out,
            "data: {\"content\":\"答\",\"finish_reason\":null}\n\n"
            "data: {\"content\":\"\",\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":1,"
            "\"output_tokens\":1,\"total_tokens\":2}}\n\n"
            "data: [DONE]\n\n");
}

TEST(dialect, seed_errors_keep_the_envelope_and_end_with_done) {
  auto seed = http::seed_dialect();
  const auto err = make_error(errc::invalid_model, "qwen-nope");
  EXPECT_EQ(seed->status_of(err), 400u);
  EXPECT_EQ(seed->error_body(err),
            R"({"code":400,"message":"无效的模型名称或模型类型不匹配","data":null,)"
            R"("error":"INVALID_MODEL"})");
  EXPECT_TRUE(seed->error_frames(make_error(errc::timeout)).ends_with("data: [DONE]\n\n"));
}

TEST(dialect, openai_models_list_and_one_model) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto list = http::openai_dialect({})->models_body(catalog());
  ASSERT_TRUE(list);
  ASSERT_EQ(parser.parse(list.value()).get(root), simdjson::SUCCESS);
  EXPECT_EQ(simdjson::dom::array(root["data"]).size(), 2u);

  auto one = http::openai_dialect({}, "qwen-plus")->models_body(catalog());
  ASSERT_TRUE(one);
  ASSERT_EQ(parser.parse(one.value()).get(root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["id"]), "qwen-plus");

  auto openai = http::openai_dialect({}, "qwen-max");
  auto missing = openai->models_body(catalog());
  ASSERT_FALSE(missing);
  EXPECT_EQ(openai->status_of(missing.error()), 404u);
  ASSERT_EQ(parser.parse(openai->error_body(missing.error())).get(root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["error"]["code"]), "model_not_found");
  EXPECT_EQ(std::string_view(root["error"]["param"]), "model");
}

TEST(dialect, openai_stream_failure_is_an_error_frame_without_done) {
  auto openai = http::openai_dialect({"chatcmpl-1", 1, "qwen-plus", false});
  const auto frames = openai->error_frames(make_error(errc::upstream_error, "cut"));
  EXPECT_TRUE(frames.starts_with("data: {\"error\":{")) << frames;
  EXPECT_EQ(frames.find("[DONE]"), std::string::npos);
  EXPECT_EQ(openai->status_of(make_error(errc::upstream_error)), 502u);
}

}  // namespace
