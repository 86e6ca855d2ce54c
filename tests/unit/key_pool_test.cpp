// The key pool and the retry budget alone, on a clock the test moves: weighted spread, cooldown
// after 429 (hint and backoff), keys out after 401/403, the breaker and its probe.
#include "upstream/key_pool.hpp"
#include "upstream/retry_budget.hpp"

#include <gtest/gtest.h>

#include <map>

namespace {

using namespace std::chrono_literals;
using qgate::upstream::key_entry;
using qgate::upstream::key_outcome;
using qgate::upstream::key_pool;
using qgate::upstream::pool_policy;
using qgate::upstream::retry_budget;

const key_pool::clock::time_point t0{std::chrono::hours(1)};

key_pool three_keys(pool_policy policy = {}) {
  return key_pool({{"sk-a", 3}, {"sk-b", 1}, {"sk-c", 1}}, policy);
}

TEST(key_pool, spreads_calls_by_weight_exactly) {
  auto pool = three_keys();
  std::map<std::size_t, int> picks;
  for (int i = 0; i < 500; ++i) ++picks[pool.pick(t0).value()];
  EXPECT_EQ(picks[0], 300);
  EXPECT_EQ(picks[1], 100);
  EXPECT_EQ(picks[2], 100);
  // Smooth: the heavy key never gets more than its share in a row.
  std::vector<std::size_t> order;
  for (int i = 0; i < 5; ++i) order.push_back(pool.pick(t0).value());
  EXPECT_NE(order, (std::vector<std::size_t>{0, 0, 0, 1, 2}));
}

TEST(key_pool, a_retry_prefers_a_key_not_tried) {
  auto pool = three_keys();
  const std::vector<std::size_t> tried{0};
  for (int i = 0; i < 20; ++i) EXPECT_NE(pool.pick(t0, tried).value(), 0u);
  const std::vector<std::size_t> all{0, 1, 2};
  EXPECT_TRUE(pool.pick(t0, all).has_value()) << "with every key tried, any usable one";
}

TEST(key_pool, throttled_key_cools_down_for_the_hint) {
  auto pool = three_keys();
  pool.report(0, key_outcome::throttled, t0, 7s);
  EXPECT_FALSE(pool.resting_for_failures(t0));
  for (int i = 0; i < 50; ++i) EXPECT_NE(pool.pick(t0 + 6s).value(), 0u);
  const auto status = pool.status(t0 + 1s);
  EXPECT_EQ(status[0].state, "cooling");
  EXPECT_EQ(status[0].ms_left, 6000);
  std::map<std::size_t, int> picks;
  for (int i = 0; i < 50; ++i) ++picks[pool.pick(t0 + 7s).value()];
  EXPECT_GT(picks[0], 0) << "usable again once the hint has passed";
}

TEST(key_pool, throttling_without_a_hint_backs_off_exponentially_with_jitter) {
  pool_policy policy;
  policy.cooldown_base = 1000ms;
  policy.cooldown_max = 60000ms;
  key_pool pool({{"sk-a", 1}}, policy);
  auto now = t0;
  std::int64_t previous_max = 0;
  for (int k = 0; k < 8; ++k) {
    pool.report(0, key_outcome::throttled, now);
    const auto wait = pool.status(now)[0].ms_left;
    const std::int64_t backoff = std::min<std::int64_t>(60000, 1000LL << k);
    EXPECT_GE(wait, std::min<std::int64_t>(backoff / 2, 60000)) << k;
    EXPECT_LE(wait, backoff) << k;
    EXPECT_GE(backoff, previous_max);
    previous_max = backoff;
    EXPECT_FALSE(pool.pick(now).has_value());
    EXPECT_EQ(pool.next_usable(now).value(), now + std::chrono::milliseconds(wait));
    now += std::chrono::milliseconds(wait);
  }
  pool.report(0, key_outcome::success, now);
  pool.report(0, key_outcome::throttled, now);
  EXPECT_LE(pool.status(now)[0].ms_left, 1000) << "a success resets the backoff";
}

TEST(key_pool, rejected_keys_are_out_until_restored) {
  auto pool = three_keys();
  pool.report(1, key_outcome::rejected, t0);
  for (int i = 0; i < 50; ++i) EXPECT_NE(pool.pick(t0 + 1h).value(), 1u);
  EXPECT_EQ(pool.status(t0)[1].state, "rejected");
  EXPECT_FALSE(pool.all_rejected());
  pool.report(0, key_outcome::rejected, t0);
  pool.report(2, key_outcome::rejected, t0);
  EXPECT_TRUE(pool.all_rejected());
  EXPECT_FALSE(pool.next_usable(t0).has_value()) << "no key is usable for a retry to wait for";
  // Every key rejected: one probe per breaker wait (10 s), in case the upstream had a hiccup.
  EXPECT_TRUE(pool.pick(t0).has_value());
  EXPECT_FALSE(pool.pick(t0 + 9s).has_value());
  const auto probe = pool.pick(t0 + 10s);
  ASSERT_TRUE(probe.has_value());
  pool.report(*probe, key_outcome::success, t0 + 10s);
  EXPECT_FALSE(pool.all_rejected()) << "a probe that works brings its key back";
  EXPECT_EQ(pool.pick(t0 + 10s), probe);
  pool.report(*probe, key_outcome::rejected, t0 + 10s);
  // A probe answered 429 proves the key known to the upstream too: it is back, resting.
  const auto throttled_probe = pool.pick(t0 + 20s);
  ASSERT_TRUE(throttled_probe.has_value());
  pool.report(*throttled_probe, key_outcome::throttled, t0 + 20s, 1s);
  EXPECT_FALSE(pool.all_rejected());
  EXPECT_EQ(pool.status(t0 + 20s)[*throttled_probe].state, "cooling");
  pool.report(*throttled_probe, key_outcome::rejected, t0 + 20s);
  pool.restore_rejected();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.pick(t0 + 10s).has_value()) << "SIGHUP restores";
}

TEST(key_pool, the_breaker_opens_after_failures_in_a_row_and_probes_once) {
  pool_policy policy;
  policy.breaker_failures = 3;
  policy.breaker_open = 10s;
  key_pool pool({{"sk-a", 1}}, policy);
  pool.report(0, key_outcome::failed, t0);
  pool.report(0, key_outcome::success, t0);  // a success in between: not in a row
  pool.report(0, key_outcome::failed, t0);
  pool.report(0, key_outcome::failed, t0);
  EXPECT_TRUE(pool.pick(t0).has_value());
  EXPECT_FALSE(pool.resting_for_failures(t0));
  pool.report(0, key_outcome::failed, t0);
  EXPECT_EQ(pool.status(t0)[0].state, "open");
  EXPECT_TRUE(pool.resting_for_failures(t0));
  EXPECT_FALSE(pool.pick(t0 + 9s).has_value());
  // Past the wait one probe goes out; nothing else until it reports.
  EXPECT_TRUE(pool.pick(t0 + 10s).has_value());
  EXPECT_EQ(pool.status(t0 + 10s)[0].state, "probing");
  EXPECT_FALSE(pool.pick(t0 + 11s).has_value());
  pool.report(0, key_outcome::failed, t0 + 11s);  // the probe failed: open again
  EXPECT_FALSE(pool.pick(t0 + 20s).has_value());
  EXPECT_TRUE(pool.pick(t0 + 21s).has_value());
  pool.report(0, key_outcome::success, t0 + 21s);  // the probe succeeded: closed
  EXPECT_EQ(pool.status(t0 + 21s)[0].state, "healthy");
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(pool.pick(t0 + 21s).has_value());
}

TEST(key_pool, a_probe_never_reported_expires) {
  pool_policy policy;
  policy.breaker_failures = 1;
  policy.breaker_open = 10s;
  key_pool pool({{"sk-a", 1}}, policy);
  pool.report(0, key_outcome::failed, t0);
  ASSERT_TRUE(pool.pick(t0 + 10s).has_value());  // its client left: no report comes
  EXPECT_FALSE(pool.pick(t0 + 15s).has_value());
  EXPECT_TRUE(pool.pick(t0 + 20s).has_value());
}

TEST(key_pool, fingerprints_tell_keys_apart_and_hide_them) {
  auto pool = three_keys();
  EXPECT_NE(pool.fingerprint(0), pool.fingerprint(1));
  EXPECT_TRUE(pool.fingerprint(0).starts_with("sha256:"));
  EXPECT_EQ(pool.fingerprint(0).size(), 7u + 12u);
  EXPECT_EQ(pool.fingerprint(0).find("sk-a"), std::string::npos);
  EXPECT_EQ(qgate::upstream::key_fingerprint("sk-a"), pool.fingerprint(0));
}

TEST(retry_budget, reserve_then_a_share_of_the_calls) {
  retry_budget budget(0.2, 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(budget.try_spend()) << i;
  EXPECT_FALSE(budget.try_spend());
  for (int i = 0; i < 4; ++i) budget.on_call();
  EXPECT_FALSE(budget.try_spend()) << "0.8 retries earned";
  budget.on_call();
  EXPECT_TRUE(budget.try_spend()) << "five calls earn one retry";
  EXPECT_FALSE(budget.try_spend());
}

TEST(retry_budget, a_busy_gateway_cannot_bank_without_bound) {
  retry_budget budget(0.5, 2);
  for (int i = 0; i < 1'000'000; ++i) budget.on_call();
  EXPECT_LE(budget.balance(), 500.0);
  retry_budget none(0.0, 0);
  none.on_call();
  EXPECT_FALSE(none.try_spend());
}

}  // namespace
