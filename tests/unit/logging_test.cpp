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

}  // namespace
