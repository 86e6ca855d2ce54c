// Percentile math of loadgen's histogram against distributions whose percentiles are known.
#include <gtest/gtest.h>

#include <cstdint>

#include "tools/loadgen/histogram.hpp"
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

}  // namespace
}  // namespace qgate::loadgen
