// The limiter's arithmetic with an injected clock: no sleeps.
#include "actors/rate_limits.hpp"
#include "actors/rate_limiter.hpp"
#include "messages/actor_protocol.hpp"

#include <gtest/gtest.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <thread>

namespace {

using namespace qgate;
using actors::rate_limits;
using clock_type = rate_limits::clock;
using namespace std::chrono_literals;

tenant_info tenant_with(std::int64_t rpm, std::int64_t tpm, std::int64_t streams) {
  tenant_info tenant;
  tenant.name = "t";
  tenant.limits = {rpm, tpm, streams};
  return tenant;
}

TEST(rate_limits, rpm_admits_exactly_the_limit_then_refills) {
  rate_limits limits;
  const auto tenant = tenant_with(60, 0, 0);
  const auto t0 = clock_type::time_point{} + 1h;
  int admitted = 0;
  for (int i = 0; i < 100; ++i) admitted += limits.admit(tenant, "m", false, 10, t0).admitted;
  EXPECT_EQ(admitted, 60);
  const auto refused = limits.admit(tenant, "m", false, 10, t0);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.info.refused_by, refusal::rpm);
  EXPECT_EQ(refused.info.retry_after_s, 1);  // one request per second refills
  EXPECT_EQ(refused.info.limit_requests, 60);
  EXPECT_EQ(refused.info.remaining_requests, 0);
  EXPECT_TRUE(limits.admit(tenant, "m", false, 10, t0 + 1s).admitted);
  EXPECT_FALSE(limits.admit(tenant, "m", false, 10, t0 + 1s).admitted);
  EXPECT_EQ(limits.admit(tenant, "m", false, 10, t0 + 30s).info.remaining_requests,
            28);  // 29 refilled, 1 taken
}

TEST(rate_limits, tokens_are_reserved_then_reconciled) {
  rate_limits limits;
  const auto tenant = tenant_with(0, 1000, 0);
  const auto t0 = clock_type::time_point{} + 1h;
  const auto first = limits.admit(tenant, "m", false, 600, t0);
  ASSERT_TRUE(first.admitted);
  EXPECT_EQ(first.info.remaining_tokens, 400);
  const auto second = limits.admit(tenant, "m", false, 600, t0);
  EXPECT_FALSE(second.admitted);
  EXPECT_EQ(second.info.refused_by, refusal::tpm);
  EXPECT_EQ(second.info.retry_after_s, 12);       // 200 missing at 1000/60 per second
  limits.release("t", "m", false, 600, 100, t0);  // used 100 of 600: 500 come back
  const auto third = limits.admit(tenant, "m", false, 600, t0);
  EXPECT_TRUE(third.admitted);
  EXPECT_EQ(third.info.remaining_tokens, 300);
  limits.release("t", "m", false, 600, 900, t0);  // an overrun is charged
  EXPECT_EQ(limits.admit(tenant, "m", false, 1, t0).info.remaining_tokens, 0);
}

TEST(rate_limits, a_request_larger_than_the_bucket_still_passes_when_full) {
  rate_limits limits;
  EXPECT_TRUE(limits.admit(tenant_with(0, 100, 0), "m", false, 5000, clock_type::now()).admitted);
}

TEST(rate_limits, stream_cap_and_model_cap) {
  rate_limits limits(3);
  const auto tenant = tenant_with(0, 0, 2);
  const auto now = clock_type::now();
  EXPECT_TRUE(limits.admit(tenant, "m", true, 1, now).admitted);
  EXPECT_TRUE(limits.admit(tenant, "m", true, 1, now).admitted);
  const auto third_stream = limits.admit(tenant, "m", true, 1, now);
  EXPECT_FALSE(third_stream.admitted);
  EXPECT_EQ(third_stream.info.refused_by, refusal::streams);
  EXPECT_EQ(third_stream.info.retry_after_s, 1);
  EXPECT_TRUE(limits.admit(tenant, "m", false, 1, now).admitted)
      << "the stream cap counts streams only";
  EXPECT_FALSE(limits.admit(tenant_with(0, 0, 0), "m", false, 1, now).admitted) << "model cap of 3";
  EXPECT_TRUE(limits.admit(tenant_with(0, 0, 0), "other", false, 1, now).admitted);
  limits.release("t", "m", true, 1, 1, now);
  EXPECT_EQ(limits.active_calls("m"), 2);
  EXPECT_TRUE(limits.admit(tenant, "m", true, 1, now).admitted);
}

TEST(rate_limits, a_fallback_moves_the_model_slot_unless_its_model_is_full) {
  rate_limits limits(1);
  const auto tenant = tenant_with(0, 0, 0);
  const auto now = clock_type::now();
  ASSERT_TRUE(limits.admit(tenant, "max", false, 1, now).admitted);
  ASSERT_TRUE(limits.admit(tenant, "turbo", false, 1, now).admitted);
  EXPECT_FALSE(limits.move_call("max", "turbo")) << "turbo is at its cap of 1";
  EXPECT_EQ(limits.active_calls("max"), 1);
  EXPECT_TRUE(limits.move_call("max", "plus"));
  EXPECT_EQ(limits.active_calls("max"), 0);
  EXPECT_EQ(limits.active_calls("plus"), 1);
  limits.release("t", "plus", false, 1, 1, now);
  EXPECT_EQ(limits.active_calls("plus"), 0);
}

TEST(rate_limits, unlimited_tenant_sends_no_limits) {
  rate_limits limits;
  const auto decision = limits.admit(anonymous_tenant(), "m", true, 100, clock_type::now());
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.info.limit_requests, 0);
  EXPECT_EQ(decision.info.limit_tokens, 0);
}

TEST(rate_limiter_actor, sixty_admitted_among_eight_concurrent_clients) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", std::size_t{2});
  caf::actor_system system(config);
  const auto frozen = clock_type::time_point{} + 1h;
  auto limiter = actors::spawn_rate_limiter(system, 0, [frozen] { return frozen; });
  std::atomic<int> admitted{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      caf::scoped_actor self(system);
      for (int i = 0; i < 25; ++i) {
        self->request(limiter, caf::infinite, admit_atom::value, tenant_with(60, 0, 0),
                      std::string("m"), false, std::int64_t{1})
            .receive([&](const actors::admission& decision) { admitted += decision.admitted; },
                     [&](const caf::error&) { ADD_FAILURE() << "no answer"; });
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(admitted.load(), 60);
  caf::anon_send_exit(limiter, caf::exit_reason::user_shutdown);
}

// A session cancelled while its admission was on the way never sends a release: the limiter
// monitors admitted sessions and frees their slots when they end.
TEST(rate_limiter_actor, a_session_that_ends_without_release_frees_its_slot) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", std::size_t{1});
  caf::actor_system system(config);
  const auto frozen = clock_type::time_point{} + 1h;
  auto limiter = actors::spawn_rate_limiter(system, 0, [frozen] { return frozen; });
  const auto one_stream = tenant_with(0, 0, 1);
  auto admit_stream = [&](caf::scoped_actor& self) {
    bool admitted = false;
    self->request(limiter, caf::infinite, admit_atom::value, one_stream, std::string("m"), true,
                  std::int64_t{1})
        .receive([&](const actors::admission& decision) { admitted = decision.admitted; },
                 [&](const caf::error&) { ADD_FAILURE() << "no answer"; });
    return admitted;
  };
  caf::scoped_actor observer(system);
  {
    caf::scoped_actor holder(system);
    ASSERT_TRUE(admit_stream(holder));
    EXPECT_FALSE(admit_stream(observer)) << "the tenant's one stream is taken";
  }  // the holder ends without a release
  bool freed = false;
  for (int attempt = 0; attempt < 200 && !freed; ++attempt) {
    freed = admit_stream(observer);
    if (!freed) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(freed) << "the slot of the ended session was not freed";
  caf::anon_send_exit(limiter, caf::exit_reason::user_shutdown);
}

// A release ends the monitoring: the slot is freed once, not again when the session ends.
TEST(rate_limiter_actor, a_released_session_is_not_released_twice) {
  caf::actor_system_config config;
  config.set("scheduler.max-threads", std::size_t{1});
  caf::actor_system system(config);
  const auto frozen = clock_type::time_point{} + 1h;
  auto limiter = actors::spawn_rate_limiter(system, 0, [frozen] { return frozen; });
  const auto two_streams = tenant_with(0, 0, 2);
  auto admit_stream = [&](caf::scoped_actor& self) {
    bool admitted = false;
    self->request(limiter, caf::infinite, admit_atom::value, two_streams, std::string("m"), true,
                  std::int64_t{1})
        .receive([&](const actors::admission& decision) { admitted = decision.admitted; },
                 [&](const caf::error&) { ADD_FAILURE() << "no answer"; });
    return admitted;
  };
  caf::scoped_actor a(system);
  caf::scoped_actor b(system);
  ASSERT_TRUE(admit_stream(a));
  {
    caf::scoped_actor released(system);
    ASSERT_TRUE(admit_stream(released));
    released->send(limiter, release_atom::value, std::string("t"), std::string("m"), true,
                   std::int64_t{1}, std::int64_t{1});
  }
  ASSERT_TRUE(admit_stream(b)) << "the released slot is free again";
  std::this_thread::sleep_for(50ms);  // time for a (wrong) second release on the session's end
  EXPECT_FALSE(admit_stream(a)) << "two streams are open: a third must be refused";
  caf::anon_send_exit(limiter, caf::exit_reason::user_shutdown);
}

TEST(rate_limits, estimate) {
  EXPECT_EQ(actors::estimate_tokens(30, 100), 110);
  EXPECT_EQ(actors::estimate_tokens(0, 0), 512);
}

}  // namespace
