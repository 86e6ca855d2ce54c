// W3C traceparent: what is passed on, what starts a new trace.
#include "http/trace_context.hpp"

#include "http/random_hex.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace qgate::http {
namespace {

constexpr std::string_view example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(trace_context, a_valid_traceparent_passes_unchanged) {
  EXPECT_TRUE(valid_traceparent(example));
  EXPECT_EQ(traceparent_for(example), example);
  EXPECT_EQ(trace_id_of(example), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(trace_context, a_later_version_is_read_as_version_00) {
  const std::string later = "cc" + std::string(example.substr(2)) + "-what-comes-next";
  EXPECT_TRUE(valid_traceparent(later));
  EXPECT_EQ(traceparent_for(later), example);
  EXPECT_FALSE(valid_traceparent("cc" + std::string(example.substr(2)) + "x"));
}

TEST(trace_context, anything_else_starts_a_new_trace) {
  const std::string bad[] = {
      "",
      "garbage",
      std::string(example) + "-",                                  // 00 has exactly 55 characters
      "ff" + std::string(example.substr(2)),                       // version ff is invalid
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",   // upper case
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",   // zero trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",   // zero parent-id
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // separator
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",   // not hex
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\n",  // header injection
  };
  std::set<std::string> fresh;
  for (const auto& value : bad) {
    EXPECT_FALSE(valid_traceparent(value)) << value;
    const auto made = traceparent_for(value);
    EXPECT_TRUE(valid_traceparent(made)) << made;
    EXPECT_TRUE(made.starts_with("00-") && made.ends_with("-00")) << made;
    fresh.insert(made);
  }
  EXPECT_EQ(fresh.size(), std::size(bad)) << "every new trace has its own id";
}

TEST(random_hex, lower_case_hex_of_the_asked_length_never_repeating_across_threads) {
  for (const std::size_t digits : {1U, 16U, 17U, 32U}) {
    const auto id = random_hex(digits);
    EXPECT_EQ(id.size(), digits);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_NE(id.find_first_not_of('0'), std::string::npos) << id;
  }
  // Each thread seeds its own generator: four threads must not produce one stream four times.
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& ids : made) {
    threads.emplace_back([&ids] {
      for (int i = 0; i < 1000; ++i) ids.push_back(random_hex(32));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> distinct;
  for (const auto& ids : made) distinct.insert(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), 4000U);
}

}  // namespace
}  // namespace qgate::http
