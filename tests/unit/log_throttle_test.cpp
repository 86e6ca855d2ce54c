#include "http/log_throttle.hpp"

#include <gtest/gtest.h>

namespace {

using qgate::http::log_throttle;
using namespace std::chrono_literals;

TEST(log_throttle, first_occurrence_logs_then_one_line_per_interval_with_the_count) {
  log_throttle throttle(1s);
  const log_throttle::clock::time_point start{};
  auto first = throttle.note(start);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->count, 1u);
  EXPECT_EQ(first->window, log_throttle::clock::duration::zero());
  for (int i = 1; i < 1000; ++i) EXPECT_FALSE(throttle.note(start + i * 1ms));
  const auto second = throttle.note(start + 1s, 3);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->count, 999u + 3u);
  EXPECT_EQ(second->window, 1s);
}

TEST(log_throttle, flush_reports_what_is_left_once_due) {
  log_throttle throttle(1s);
  const log_throttle::clock::time_point start{};
  EXPECT_FALSE(throttle.flush(start));  // nothing counted
  ASSERT_TRUE(throttle.note(start));
  EXPECT_FALSE(throttle.note(start + 10ms, 5));
  EXPECT_FALSE(throttle.flush(start + 500ms));  // not due yet
  const auto left = throttle.flush(start + 1500ms);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->count, 5u);
  EXPECT_FALSE(throttle.flush(start + 5s));  // reported already
}

TEST(log_throttle, zero_occurrences_still_give_a_due_line) {
  log_throttle throttle(1s);
  const auto line = throttle.note({}, 0);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->count, 0u);
}

}  // namespace
