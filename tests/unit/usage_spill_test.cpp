// The ledger's spill file: rows round-trip exactly (hostile strings included), a replay writes them
// oldest first in batches, a failing database keeps the rest for later, a torn line is skipped.
#include "catalog/usage_spill.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>

namespace qgate::catalog {
namespace {

usage_record row(int n, std::string tenant = "acme") {
  usage_record r;
  r.time = "2026-12-07T10:00:" + std::string(n < 10 ? "0" : "") + std::to_string(n % 60);
  r.tenant = std::move(tenant);
  r.model = "qwen-turbo";
  r.stream = n % 2 == 0;
  r.status = 200;
  r.input_tokens = n;
  r.output_tokens = 2 * n;
  r.total_tokens = 3 * n;
  r.latency_ms = 10 + n;
  r.request_id = "req-" + std::to_string(n);
  return r;
}

bool same(const usage_record& a, const usage_record& b) {
  return a.time == b.time && a.tenant == b.tenant && a.model == b.model && a.stream == b.stream &&
         a.status == b.status && a.input_tokens == b.input_tokens &&
         a.output_tokens == b.output_tokens && a.total_tokens == b.total_tokens &&
         a.latency_ms == b.latency_ms && a.request_id == b.request_id;
}

class usage_spill_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("qgate-spill-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "sub" / "spill.jsonl").string(); }
  std::filesystem::path dir_;
};

TEST_F(usage_spill_test, hostile_strings_round_trip_through_a_real_parser) {
  for (const std::string& hostile :
       {std::string("quote\" back\\slash"), std::string("line\nbreak\ttab\r"),
        std::string("\x01\x1f control"), std::string("汉字 и emoji 🎉"), std::string("</script>"),
        std::string("{\"json\":[1]}")}) {
    auto original = row(7, hostile);
    original.request_id = hostile;
    const auto line = spill_line(original);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    simdjson::dom::parser parser;
    EXPECT_EQ(parser.parse(line).error(), simdjson::SUCCESS) << line;
    auto back = parse_spill_line(line);
    ASSERT_TRUE(back) << line;
    EXPECT_TRUE(same(back.value(), original)) << line;
  }
  EXPECT_FALSE(parse_spill_line("{\"ts\":\"x\"}"));
  EXPECT_FALSE(parse_spill_line("not json"));
}

TEST_F(usage_spill_test, appended_rows_are_replayed_oldest_first_in_batches_then_gone) {
  usage_spill spill(path());
  EXPECT_FALSE(spill.pending());
  ASSERT_TRUE(spill.append({row(1), row(2), row(3)}));
  ASSERT_TRUE(spill.append({row(4), row(5)}));
  EXPECT_TRUE(spill.pending());
  EXPECT_EQ(spill.count(), 5u);
  std::vector<std::vector<usage_record>> batches;
  std::size_t written = 0;
  ASSERT_TRUE(spill.replay(
      [&](const std::vector<usage_record>& rows) -> result<void> {
        batches.push_back(rows);
        return boost::outcome_v2::success();
      },
      written, 2));
  EXPECT_EQ(written, 5u);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 2u);
  EXPECT_TRUE(same(batches[0][0], row(1)));
  EXPECT_TRUE(same(batches[2][0], row(5)));
  EXPECT_FALSE(spill.pending());
  EXPECT_EQ(spill.count(), 0u);
}

TEST_F(usage_spill_test, a_failing_database_keeps_the_failed_batch_and_the_rest) {
  usage_spill spill(path());
  ASSERT_TRUE(spill.append({row(1), row(2), row(3), row(4), row(5)}));
  int calls = 0;
  std::size_t written = 0;
  auto failed = spill.replay(
      [&](const std::vector<usage_record>&) -> result<void> {
        if (++calls == 2) return make_error(errc::unavailable, "database down");
        return boost::outcome_v2::success();
      },
      written, 2);
  EXPECT_FALSE(failed);
  EXPECT_EQ(written, 2u);
  EXPECT_EQ(spill.count(), 3u);
  // Rows spilled meanwhile wait behind the ones a replay left.
  ASSERT_TRUE(spill.append({row(6)}));
  std::vector<usage_record> all;
  written = 0;
  ASSERT_TRUE(spill.replay(
      [&](const std::vector<usage_record>& rows) -> result<void> {
        all.insert(all.end(), rows.begin(), rows.end());
        return boost::outcome_v2::success();
      },
      written, 2));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(same(all[0], row(3)));
  EXPECT_TRUE(same(all[3], row(6)));
  EXPECT_FALSE(spill.pending());
}

TEST_F(usage_spill_test, a_line_torn_by_a_crash_is_skipped_not_fatal) {
  usage_spill spill(path());
  ASSERT_TRUE(spill.append({row(1)}));
  {
    std::ofstream torn(path(), std::ios::app);
    torn << spill_line(row(2)).substr(0, 20);  // killed mid-write: no newline, half a row
  }
  std::size_t written = 0;
  ASSERT_TRUE(spill.replay(
      [](const std::vector<usage_record>&) -> result<void> { return boost::outcome_v2::success(); },
      written));
  EXPECT_EQ(written, 1u);
}

TEST_F(usage_spill_test, an_unwritable_place_is_an_error_not_a_crash) {
  usage_spill spill("/proc/qgate-no/spill.jsonl");
  EXPECT_FALSE(spill.append({row(1)}));
  EXPECT_FALSE(spill.pending());
}

}  // namespace
}  // namespace qgate::catalog
