// Percentile math of loadgen's histogram against distributions whose percentiles are known; the
// run result's rates and the report fields derived from them.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tools/loadgen/histogram.hpp"
#include "tools/loadgen/report.hpp"
#include "tools/loadgen/run_result.hpp"

namespace qgate::loadgen {
namespace {

// The histogram promises at most 1/128 relative error above its exact range.
void expect_close(std::int64_t got, std::int64_t want) {
  const double tolerance = static_cast<double>(want) / 128.0 + 1.0;
  EXPECT_NEAR(static_cast<double>(got), static_cast<double>(want), tolerance) << "want " << want;
}

TEST(LoadgenHistogram, EmptyReportsZero) {
  const histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LoadgenHistogram, SmallValuesAreExact) {
  histogram h;
  for (int v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 50);
  EXPECT_EQ(h.percentile(90), 90);
  EXPECT_EQ(h.percentile(99), 99);
  EXPECT_EQ(h.percentile(100), 100);
  EXPECT_EQ(h.percentile(0), 1);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LoadgenHistogram, UniformMicrosecondsInNanoseconds) {
  histogram h;
  // 1 µs .. 100 ms in steps of 1 µs: the q-th percentile is q% of 100 ms.
  for (std::int64_t us = 1; us <= 100000; ++us) h.record(us * 1000);
  expect_close(h.percentile(50), 50'000'000);
  expect_close(h.percentile(90), 90'000'000);
  expect_close(h.percentile(99), 99'000'000);
  expect_close(h.percentile(99.9), 99'900'000);
  EXPECT_EQ(h.max(), 100'000'000);
  EXPECT_EQ(h.percentile(100), 100'000'000);
}

TEST(LoadgenHistogram, TailOutliersShowOnlyAtTheirRank) {
  histogram h;
  for (int i = 0; i < 999; ++i) h.record(1000);
  h.record(5'000'000);  // one request in a thousand is slow
  expect_close(h.percentile(50), 1000);
  expect_close(h.percentile(99.9), 1000);  // rank 999 is still fast
  EXPECT_EQ(h.percentile(99.99), 5'000'000);
  EXPECT_EQ(h.max(), 5'000'000);
}

TEST(LoadgenHistogram, HugeAndNegativeValues) {
  histogram h;
  h.record(-5);
  h.record(INT64_MAX);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.percentile(100), INT64_MAX);
}

TEST(LoadgenHistogram, MergeEqualsRecordingEverything) {
  histogram a, b, all;
  for (std::int64_t v = 0; v < 5000; ++v) {
    (v % 3 == 0 ? a : b).record(v * 777);
    all.record(v * 777);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (const double q : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.percentile(q), all.percentile(q)) << q;
  }
  EXPECT_EQ(a.min(), 0);
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
}

TEST(LoadgenRunResult, RatesErrorsAndMerge) {
  run_result a;
  a.measured_ns = 2'000'000'000;
  a.completed = 1000;
  a.statuses[200] = 990;
  a.statuses[502] = 10;
  a.transport["stall"] = 2;
  run_result b;
  b.measured_ns = 1'000'000'000;
  b.completed = 500;
  b.statuses[502] = 5;
  a.merge(b);
  EXPECT_EQ(a.completed, 1500u);
  EXPECT_EQ(a.errors(), 17u);
  EXPECT_DOUBLE_EQ(a.requests_per_second(), 750.0);  // the longest thread's window
}

TEST(LoadgenRunResult, OutputTokensPerSecondAndBadBodies) {
  run_result a;
  a.measured_ns = 2'000'000'000;
  a.output_tokens = 300;
  a.bad_bodies = 2;
  a.statuses[200] = 10;
  run_result b;
  b.output_tokens = 100;
  b.usage_missing = 3;
  b.bad_bodies = 1;
  a.merge(b);
  EXPECT_EQ(a.output_tokens, 400u);
  EXPECT_EQ(a.usage_missing, 3u);
  EXPECT_EQ(a.bad_bodies, 3u);
  EXPECT_EQ(a.errors(), 3u);  // a 200 whose body is not an answer is an error
  EXPECT_DOUBLE_EQ(a.output_tokens_per_second(), 200.0);
  EXPECT_DOUBLE_EQ(run_result{}.output_tokens_per_second(), 0.0);

  run_options o;
  o.target = sse_dialect::openai;
  const std::string json = format_json(o, a);
  EXPECT_NE(json.find("\"target\":\"openai\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"output_tokens\":400,\"output_tokens_per_s\":200.0,"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"bad_bodies\":3"), std::string::npos) << json;
  const std::string human = format_human(o, a);
  EXPECT_NE(human.find("400 output, 200.0 output tokens/s"), std::string::npos) << human;
  EXPECT_NE(human.find("3 answers reported no usage"), std::string::npos) << human;
}

}  // namespace
}  // namespace qgate::loadgen
