#include "config/logging.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace {

using namespace qgate::config;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(logging, json_lines_parse_whatever_the_message) {
  std::ostringstream out;
  log_settings settings;
  settings.format = log_format::json;
  setup_logging(settings, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  const std::vector<std::string> messages = {"quote \" backslash \\", "line\nbreak\ttab",
                                             "ctl \x01\x1f",          "你好",
                                             "invalid \xff\xfe utf8", "{\"nested\":true}"};
  for (const auto& message : messages) spdlog::info("{}", message);
  spdlog::warn("warned");
  flush_logs();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), messages.size() + 1);
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(lines[i]).get(root), simdjson::SUCCESS) << lines[i];
    EXPECT_TRUE(root["ts"].is_string());
    if (i < messages.size()) {
      EXPECT_EQ(std::string_view(root["level"]), "info");
      if (messages[i].find('\xff') == std::string::npos) {
        EXPECT_EQ(std::string_view(root["msg"]), messages[i]);
      }
    } else {
      EXPECT_EQ(std::string_view(root["level"]), "warning");
    }
  }
}

TEST(logging, text_format_and_level) {
  std::ostringstream out;
  log_settings settings;
  settings.level = "warn";
  setup_logging(settings, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  spdlog::info("hidden");
  spdlog::warn("shown");
  flush_logs();
  EXPECT_EQ(out.str().find("hidden"), std::string::npos);
  EXPECT_NE(out.str().find("[warning] shown"), std::string::npos);
}

// No client- or upstream-controlled text can start a line of its own or hide what follows it.
TEST(logging, text_format_escapes_what_could_forge_a_line) {
  std::ostringstream out;
  setup_logging(log_settings{}, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ok\n[2026-01-01 00:00:00.000] [error] forged",
       R"(ok\n[2026-01-01 00:00:00.000] [error] forged)"},
      {"cr\rover tab\there", R"(cr\rover tab\there)"},
      {"ansi \x1b[31mred\x1b[0m del\x7f nul" + std::string(1, '\0') + "end",
       R"(ansi \x1b[31mred\x1b[0m del\x7f nul\x00end)"},
      {"c1 \xC2\x85 ls \xE2\x80\xA8 ps \xE2\x80\xA9 rlo \xE2\x80\xAE lri \xE2\x81\xA6",
       R"(c1 \u0085 ls \u2028 ps \u2029 rlo \u202e lri \u2066)"},
      {"bad \xff\xfe utf8 \xE4\xBD", R"(bad \xff\xfe utf8 \xe4\xbd)"},
      {R"(back\slash \n literal)", R"(back\\slash \\n literal)"},
      {"你好 é \xF0\x9F\x98\x80 nbsp\xC2\xA0", "你好 é \xF0\x9F\x98\x80 nbsp\xC2\xA0"},
  };
  for (const auto& [message, escaped] : cases) spdlog::info("request x failed: {}", message);
  flush_logs();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), cases.size()) << out.str();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto at = lines[i].find("] [info] request x failed: ");
    ASSERT_NE(at, std::string::npos) << lines[i];
    EXPECT_TRUE(lines[i].starts_with("[")) << lines[i];
    EXPECT_EQ(lines[i].substr(at + 27), cases[i].second);
    EXPECT_EQ(lines[i].find('\r'), std::string::npos);
  }
}

}  // namespace
