#include "http/json_render.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace {

using namespace qgate;

TEST(json_render, models_envelope_has_every_field_in_spec_types) {
  model_info model;
  model.id = 1;
  model.title = "qwen-\"turbo\"";
  model.description = std::string("bad \xff utf8 \x01", 13);
  model.is_featured = true;
  model.created_at = "2025-01-01T00:00:00";
  const auto body = http::models_body({model});
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  EXPECT_EQ(int64_t(root["code"]), 200);
  EXPECT_EQ(std::string_view(root["message"]), "success");
  simdjson::dom::object item = root["data"].at(0);
  EXPECT_EQ(item.size(), 13u);
  EXPECT_TRUE(item["id"].is_int64());
  EXPECT_TRUE(item["type"].is_int64());
  EXPECT_TRUE(item["is_featured"].is_bool());
  EXPECT_EQ(std::string_view(item["title"]), "qwen-\"turbo\"");
  for (const char* key : {"img", "name", "description", "keyword", "time", "tag1", "tag2",
                          "created_at", "updated_at"}) {
    EXPECT_TRUE(item[key].is_string()) << key;
  }
  EXPECT_EQ(http::models_body({}), R"({"code":200,"message":"success","data":[]})");
}

TEST(json_render, completion_and_frames) {
  EXPECT_EQ(
      http::completion_body({"你好\n", finish_reason::length, {10, 15, 25}}),
      R"({"code":200,"message":"success","data":{"content":"你好\n","finish_reason":"length",)"
      R"("usage":{"input_tokens":10,"output_tokens":15,"total_tokens":25}}})");
  std::string frames;
  http::append_delta_frame(frames, {"你好", std::nullopt, {}});
  http::append_delta_frame(frames, {"。", finish_reason::stop, {10, 15, 25}});
  EXPECT_EQ(frames,
            "data: {\"content\":\"你好\",\"finish_reason\":null}\n\n"
            "data: {\"content\":\"。\",\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":10,"
            "\"output_tokens\":15,\"total_tokens\":25}}\n\n");
  EXPECT_EQ(
      http::error_frame({errc::timeout, {}}),
      "data: {\"code\":504,\"message\":\"请求超时\",\"data\":null,\"error\":\"TIMEOUT\"}\n\n");
}

}  // namespace
