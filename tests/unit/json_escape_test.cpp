// Every JSON string we emit must parse back to the text we meant, whatever the input bytes.
#include "messages/json_escape.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace {

std::string parse_back(const std::string& json) {
  simdjson::dom::parser parser;
  std::string_view value;
  const auto error = parser.parse(json).get(value);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  return std::string(value);
}

TEST(json_escape, round_trips_hostile_text) {
  const std::string cases[] = {
      "",
      "plain",
      "quote \" and backslash \\",
      "new\nline\r\ttab\b\f",
      std::string("nul\0byte", 8),
      "\x01\x1f\x7f",
      "你好,世界 😀",
      "</script><script>alert(1)</script>",
      "\xe2\x80\xa8 line separator",
  };
  for (const auto& text : cases) EXPECT_EQ(parse_back(qgate::json_string(text)), text);
}

TEST(json_escape, replaces_invalid_utf8_so_output_always_parses) {
  const std::string invalid[] = {
      "\xff", "a\xc3", "\xe4\xbd", "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "ok\x80ok"};
  for (const auto& text : invalid) {
    const auto back = parse_back(qgate::json_string(text));
    EXPECT_NE(back.find("\xEF\xBF\xBD"), std::string::npos) << back;
  }
  EXPECT_EQ(parse_back(qgate::json_string("ok\x80ok")), "ok\xEF\xBF\xBDok");
}

TEST(json_escape, escapes_controls_as_json_requires) {
  EXPECT_EQ(qgate::json_string("\x01"), "\"\\u0001\"");
  EXPECT_EQ(qgate::json_string("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(qgate::json_string("\n"), "\"\\n\"");
}

}  // namespace
