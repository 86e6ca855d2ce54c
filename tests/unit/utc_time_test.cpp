// The ledger's timestamps: the format rows are filed under, and the cache that formats once a
// second.
#include "actors/utc_time.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <regex>

namespace qgate::actors {
namespace {

TEST(utc_time, now_is_iso_seconds_in_utc_and_today_is_its_day) {
  const std::time_t before = std::time(nullptr);
  const auto now = utc_now();
  const auto today = utc_today();
  const std::time_t after = std::time(nullptr);
  ASSERT_TRUE(std::regex_match(now, std::regex{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})"})) << now;
  EXPECT_EQ(today.size(), 10U);
  // The text reads back as a second between the two clock readings (midnight may pass between
  // now and today only if the two readings straddle it).
  std::tm parts{};
  ASSERT_NE(strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &parts), nullptr);
  const std::time_t read_back = timegm(&parts);
  EXPECT_GE(read_back, before);
  EXPECT_LE(read_back, after);
  if (before / 86400 == after / 86400) {
    EXPECT_EQ(today, now.substr(0, 10));
  }
}

TEST(utc_time, repeated_calls_in_one_second_agree) {
  for (int i = 0; i < 1000; ++i) {
    const std::time_t before = std::time(nullptr);
    const auto a = utc_now();
    const auto b = utc_now();
    if (std::time(nullptr) == before) {
      EXPECT_EQ(a, b);
    }
  }
}

}  // namespace
}  // namespace qgate::actors
