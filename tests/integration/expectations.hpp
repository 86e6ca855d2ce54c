// Checks shared by the integration suites.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <thread>

namespace qgate::testing {

// Polls `condition` until it holds or `limit` passes: waits for an effect, never a fixed sleep.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// How often `needle` occurs in `text` (overlaps counted).
inline std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

// The spec's error envelope, parsed by a real parser: code = status, data null, the symbol, and a
// message that equals (or, with `prefix`, starts with) `message`.
inline void expect_error_envelope(long http_status, const std::string& body, long status,
                                  std::string_view symbol, std::string_view message,
                                  bool prefix = false) {
  EXPECT_EQ(http_status, status) << body;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  EXPECT_EQ(int64_t(root["code"]), status);
  EXPECT_EQ(std::string_view(root["error"]), symbol);
  const std::string_view actual = root["message"];
  if (prefix) {
    EXPECT_TRUE(actual.starts_with(message)) << body;
  } else {
    EXPECT_EQ(actual, message);
  }
  EXPECT_TRUE(root["data"].is_null());
}

}  // namespace qgate::testing
