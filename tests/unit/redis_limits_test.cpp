// The fleet's rate limits against a real redis-server: exact admission across three instances,
// token settlement, stream and model caps, slot expiry and refresh, Retry-After, answers within
// the timeout while Redis is paused, sharing again after a restart, and EVAL after SCRIPT FLUSH.
#include "actors/rate_limiter.hpp"
#include "loop/io_pool.hpp"
#include "messages/actor_protocol.hpp"
#include "redis/shared_limits.hpp"
#include "redis/sigpipe_guard.hpp"
#include "redis/url.hpp"
#include "scheduler/io_scheduler.hpp"
#include "tests/support/engines.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <thread>

namespace {

using namespace qgate;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using qgate::testing::redis_server;

// The gateway sets its logger up before any io thread runs, and so do these tests: spdlog makes
// its registry on first use, which three io threads connecting at once would race on.
[[maybe_unused]] const auto* const logger_before_threads = spdlog::default_logger_raw();

long long as_ms(steady::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}
long long as_us(steady::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

tenant_info tenant_with(const std::string& name, std::int64_t rpm, std::int64_t tpm,
                        std::int64_t streams) {
  tenant_info tenant;
  tenant.name = name;
  tenant.limits = {rpm, tpm, streams};
  return tenant;
}

redis::options options_for(const redis_server& server, std::chrono::milliseconds timeout = 2s) {
  redis::options opts;
  opts.url = server.url();
  opts.timeout = timeout;
  return opts;
}

// One qgate instance as the limits see it: an io thread and its shared_limits, made and
// destroyed on that thread. stop() is a crash as far as Redis knows: nothing is released.
class instance {
 public:
  template <class F>
  auto get(F f) {
    std::promise<decltype(f())> result;
    boost::asio::post(io_, [&] { result.set_value(f()); });
    return result.get_future().get();
  }
  template <class F>
  void post(F f) {
    boost::asio::post(io_, std::move(f));
  }
  explicit instance(const redis::options& opts) : thread_([this] { io_.run(); }) {
    limits_ = get([&] { return redis::shared_limits::create(io_, opts).value(); });
  }
  ~instance() { stop(); }
  instance(const instance&) = delete;
  instance& operator=(const instance&) = delete;

  void stop() {
    if (!thread_.joinable()) return;
    get([&] { return std::exchange(limits_, nullptr) != nullptr; });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  redis::shared_limits& limits() { return *limits_; }

  bool wait_connected(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = steady::now() + timeout;
    while (!get([&] { return limits_->connected(); })) {
      if (steady::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }
  // One admission; `slot` gets its slot name.
  std::optional<redis::admit_result> admit(const tenant_info& tenant, const std::string& model,
                                           bool stream, std::int64_t estimated = 1,
                                           std::string* slot = nullptr) {
    std::promise<std::optional<redis::admit_result>> answer;
    post([&] {
      const auto id = limits_->next_slot_id();
      if (slot != nullptr) *slot = id;
      limits_->admit(tenant, model, stream, estimated, id,
                     [&](std::optional<redis::admit_result> r) { answer.set_value(r); });
    });
    return answer.get_future().get();
  }
  void release(const std::string& slot, std::int64_t used) {
    get([&] { return limits_->release(slot, used), 0; });
  }
  std::optional<bool> move(const std::string& slot, const std::string& to) {
    std::promise<std::optional<bool>> answer;
    post([&] { limits_->move(slot, to, [&](std::optional<bool> m) { answer.set_value(m); }); });
    return answer.get_future().get();
  }

 private:
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
  std::shared_ptr<redis::shared_limits> limits_;
};

// A plain blocking client for what the tests do to Redis behind the limits' back.
std::string redis_do(const redis_server& server, const std::string& command, int db = 0,
                     const std::string& password = {}) {
  std::unique_ptr<redisContext, decltype(&redisFree)> c(redisConnect("127.0.0.1", server.port()),
                                                        &redisFree);
  if (!c || c->err) return "connect failed";
  using reply_ptr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;
  const auto run = [&](const std::string& text) {
    return reply_ptr(static_cast<redisReply*>(redisCommand(c.get(), text.c_str())),
                     &freeReplyObject);
  };
  if (!password.empty()) run("AUTH " + password);
  if (db != 0) run("SELECT " + std::to_string(db));
  const auto reply = run(command);
  if (!reply) return "no reply";
  if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
  return reply->str != nullptr ? std::string(reply->str, reply->len) : std::string();
}

// `calls=` of one command in INFO commandstats.
long command_calls(const redis_server& server, const std::string& command) {
  const auto stats = redis_do(server, "INFO commandstats");
  const auto at = stats.find("cmdstat_" + command + ":calls=");
  if (at == std::string::npos) return 0;
  return std::stol(stats.substr(at + command.size() + 15));
}

class redis_limits : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.ok()) << "redis-server did not start"; }
  redis_server server;
};

TEST(redis_url, parses_every_documented_form_and_refuses_tls) {
  auto plain = redis::parse_url("redis://127.0.0.1:6380/2");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.value().host, "127.0.0.1");
  EXPECT_EQ(plain.value().port, 6380);
  EXPECT_EQ(plain.value().db, 2);
  auto secret = redis::parse_url("redis://:p%40ss@cache:6379");
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret.value().password, "p@ss");
  EXPECT_TRUE(secret.value().user.empty());
  EXPECT_EQ(secret.value().describe(), "cache:6379/0") << "never the password";
  auto acl = redis::parse_url("redis://app:hunter2@[::1]:7000/0");
  ASSERT_TRUE(acl);
  EXPECT_EQ(acl.value().user, "app");
  EXPECT_EQ(acl.value().host, "::1");
  EXPECT_EQ(redis::parse_url("redis://localhost").value().port, 6379);
  auto tls = redis::parse_url("rediss://:hunter2@cache:6379");
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().detail.find("TLS not supported by this hiredis (0.14)"), std::string::npos);
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h/x",
                          "redis://secret@h", "redis://:%zz@h", "redis://[::1"}) {
    auto parsed = redis::parse_url(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().detail.find("secret"), std::string::npos);
  }
}

// hiredis writes with write(2): a server that reset the connection must not end the process.
TEST(sigpipe_guard, a_write_to_a_reset_connection_fails_instead_of_killing_the_process) {
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
  ::close(ends[1]);
  {
    const redis::sigpipe_guard guard;
    EXPECT_EQ(::write(ends[0], "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
  }
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(::sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0) << "the SIGPIPE was left pending";
  ::close(ends[0]);
}

TEST_F(redis_limits, authenticates_and_selects_its_database_or_stays_local) {
  ASSERT_EQ(redis_do(server, "CONFIG SET requirepass s3cret"), "OK");
  auto opts = options_for(server);
  const auto host = "127.0.0.1:" + std::to_string(server.port());
  opts.url = "redis://:s3cret@" + host + "/3";
  instance a(opts);
  ASSERT_TRUE(a.wait_connected());
  ASSERT_TRUE(a.admit(tenant_with("db", 10, 0, 0), "m", false).value().admitted);
  EXPECT_EQ(redis_do(server, "EXISTS qgate:t:db", 3, "s3cret"), "1");
  EXPECT_EQ(redis_do(server, "EXISTS qgate:t:db", 0, "s3cret"), "0");
  opts.url = "redis://:wrong@" + host + "/3";
  instance b(opts);
  EXPECT_FALSE(b.wait_connected(1500ms));
  EXPECT_FALSE(b.admit(tenant_with("db", 10, 0, 0), "m", false).has_value());
  EXPECT_EQ(b.get([&] { return b.limits().outages(); }), 1u) << "one outage, however many retries";
}

TEST_F(redis_limits, three_instances_admit_exactly_the_rpm_of_sixty_simultaneous_requests) {
  std::vector<std::unique_ptr<instance>> fleet;
  for (int i = 0; i < 3; ++i) fleet.push_back(std::make_unique<instance>(options_for(server)));
  for (auto& one : fleet) ASSERT_TRUE(one->wait_connected());
  const auto tenant = tenant_with("exact", 30, 0, 0);
  std::atomic<int> admitted{0}, unanswered{0}, wrong_retry{0};
  std::latch answered(60);
  for (auto& one : fleet) {
    one->post([&, &limits = one->limits()] {
      for (int i = 0; i < 20; ++i) {  // one loop turn: pipelined on the connection
        limits.admit(tenant, "m", false, 1, limits.next_slot_id(), [&](auto decision) {
          if (!decision)
            ++unanswered;
          else if (decision->admitted)
            ++admitted;
          else if (decision->info.retry_after_s != 2 || decision->info.remaining_requests != 0 ||
                   decision->info.limit_requests != 30)
            ++wrong_retry;
          answered.count_down();
        });
      }
    });
  }
  answered.wait();
  EXPECT_EQ(unanswered.load(), 0);
  EXPECT_EQ(admitted.load(), 30);
  EXPECT_EQ(wrong_retry.load(), 0) << "a refusal at rpm 30 waits 2 s for one request";
}

TEST_F(redis_limits, remaining_counts_down_and_retry_after_follows_the_refill) {
  instance a(options_for(server));
  ASSERT_TRUE(a.wait_connected());
  const auto five = tenant_with("five", 5, 0, 0);
  for (std::int64_t left = 4; left >= 0; --left) {
    const auto decision = a.admit(five, "m", false);
    ASSERT_TRUE(decision && decision->admitted);
    EXPECT_EQ(decision->info.remaining_requests, left);
  }
  const auto refused = a.admit(five, "m", false);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->admitted);
  EXPECT_EQ(refused->info.refused_by, refusal::rpm);
  EXPECT_EQ(refused->info.retry_after_s, 12);  // one request per 12 s refills
  const auto one = tenant_with("one", 1, 0, 0);
  ASSERT_TRUE(a.admit(one, "m", false).value().admitted);
  const auto slow = a.admit(one, "m", false);
  EXPECT_GE(slow->info.retry_after_s, 59);
  EXPECT_LE(slow->info.retry_after_s, 60);
}

TEST_F(redis_limits, tokens_are_reserved_across_instances_then_settled) {
  instance a(options_for(server));
  instance b(options_for(server));
  ASSERT_TRUE(a.wait_connected() && b.wait_connected());
  const auto tenant = tenant_with("tokens", 0, 1000, 0);
  std::string slot;
  const auto first = a.admit(tenant, "m", false, 600, &slot);
  ASSERT_TRUE(first && first->admitted);
  EXPECT_NEAR(first->info.remaining_tokens, 400, 2);
  EXPECT_EQ(first->info.limit_tokens, 1000);
  const auto second = b.admit(tenant, "m", false, 600);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->admitted) << "instance b sees a's reservation";
  EXPECT_EQ(second->info.refused_by, refusal::tpm);
  EXPECT_EQ(second->info.retry_after_s, 12);                   // 200 missing at 1000/60 per s
  a.release(slot, 100);                                        // used 100 of 600: 500 come back
  const auto third = a.admit(tenant, "m", false, 600, &slot);  // after the release on a's link
  ASSERT_TRUE(third && third->admitted);
  EXPECT_NEAR(third->info.remaining_tokens, 300, 5);
  a.release(slot, 900);                                             // an overrun of 300 is charged
  ASSERT_TRUE(a.admit(tenant_with("other", 0, 0, 0), "m", false));  // the release has run
  const auto after = b.admit(tenant, "m", false, 1);
  ASSERT_TRUE(after);
  EXPECT_LE(after->info.remaining_tokens, 1);
}

TEST_F(redis_limits, the_stream_cap_holds_across_instances) {
  instance a(options_for(server));
  instance b(options_for(server));
  instance c(options_for(server));
  ASSERT_TRUE(a.wait_connected() && b.wait_connected() && c.wait_connected());
  const auto tenant = tenant_with("streams", 0, 0, 2);
  std::string slot;
  ASSERT_TRUE(a.admit(tenant, "m", true, 1, &slot).value().admitted);
  ASSERT_TRUE(b.admit(tenant, "m", true).value().admitted);
  const auto third = c.admit(tenant, "m", true);
  ASSERT_TRUE(third);
  EXPECT_FALSE(third->admitted);
  EXPECT_EQ(third->info.refused_by, refusal::streams);
  EXPECT_EQ(third->info.retry_after_s, 1);
  EXPECT_TRUE(c.admit(tenant, "m", false).value().admitted) << "the stream cap counts streams only";
  a.release(slot, 1);
  ASSERT_TRUE(a.admit(tenant_with("other", 0, 0, 0), "m", false));  // the release has run
  EXPECT_TRUE(c.admit(tenant, "m", true).value().admitted);
}

TEST_F(redis_limits, the_model_cap_holds_across_instances_and_moves_with_a_fallback) {
  auto opts = options_for(server);
  opts.model_max_concurrency = 2;
  instance a(opts);
  instance b(opts);
  ASSERT_TRUE(a.wait_connected() && b.wait_connected());
  const auto tenant = tenant_with("models", 0, 0, 0);
  std::string on_max;
  ASSERT_TRUE(a.admit(tenant, "max", false, 1, &on_max).value().admitted);
  ASSERT_TRUE(a.admit(tenant, "max", false).value().admitted);
  const auto full = b.admit(tenant, "max", false);
  ASSERT_TRUE(full);
  EXPECT_FALSE(full->admitted);
  EXPECT_EQ(full->info.refused_by, refusal::model);
  EXPECT_EQ(full->info.retry_after_s, 1);
  EXPECT_EQ(a.move(on_max, "turbo"), std::optional<bool>(true));
  std::string on_turbo;
  EXPECT_TRUE(b.admit(tenant, "max", false).value().admitted) << "the move freed a slot of max";
  EXPECT_TRUE(b.admit(tenant, "turbo", false, 1, &on_turbo).value().admitted);
  ASSERT_FALSE(b.admit(tenant, "max", false).value().admitted);
  EXPECT_EQ(b.move(on_turbo, "max"), std::optional<bool>(false)) << "max is at its cap";
  a.release(on_max, 1);  // the slot is on turbo now: released there
  ASSERT_TRUE(a.admit(tenant, "plus", false));
  EXPECT_TRUE(b.admit(tenant, "turbo", false).value().admitted);
}

TEST_F(redis_limits, a_dead_instances_slots_expire_after_the_ttl_and_not_before) {
  auto opts = options_for(server);
  opts.slot_ttl = 1000ms;
  instance a(opts);
  instance b(opts);
  ASSERT_TRUE(a.wait_connected() && b.wait_connected());
  const auto tenant = tenant_with("expiry", 0, 0, 1);
  const auto sent = steady::now();
  ASSERT_TRUE(a.admit(tenant, "m", true).value().admitted);
  a.stop();  // dies holding the stream: it neither releases nor refreshes
  std::optional<steady::duration> freed;
  while (!freed && steady::now() < sent + 5s) {
    if (b.admit(tenant, "m", true).value().admitted)
      freed = steady::now() - sent;
    else
      std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(freed) << "the dead instance's slot never expired";
  RecordProperty("freed_after_ms", static_cast<int>(as_ms(*freed)));
  EXPECT_GE(*freed, 950ms) << "freed before its TTL";
  EXPECT_LE(*freed, 1600ms) << "freed long after its TTL";
}

TEST_F(redis_limits, a_live_instance_keeps_its_slots_past_the_ttl) {
  auto opts = options_for(server);
  opts.slot_ttl = 600ms;
  instance a(opts);
  instance b(opts);
  ASSERT_TRUE(a.wait_connected() && b.wait_connected());
  const auto tenant = tenant_with("refresh", 0, 0, 1);
  std::string slot;
  ASSERT_TRUE(a.admit(tenant, "m", true, 1, &slot).value().admitted);
  const auto until = steady::now() + 2000ms;  // more than three TTLs
  int refused = 0;
  while (steady::now() < until) {
    ASSERT_FALSE(b.admit(tenant, "m", true).value().admitted) << "a slot a live instance refreshes";
    ++refused;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(refused, 10);
  a.release(slot, 1);
  ASSERT_TRUE(a.admit(tenant_with("other", 0, 0, 0), "m", false));
  EXPECT_TRUE(b.admit(tenant, "m", true).value().admitted);
}

TEST_F(redis_limits, every_admission_answers_within_the_timeout_while_redis_is_paused) {
  instance a(options_for(server, 50ms));
  ASSERT_TRUE(a.wait_connected());
  const auto tenant = tenant_with("paused", 1000, 0, 0);
  ASSERT_TRUE(a.admit(tenant, "m", false));
  server.pause();
  steady::duration slowest{};
  int calls = 0;
  int answered_by_redis = 0;
  for (const auto until = steady::now() + 1500ms; steady::now() < until; ++calls) {
    const auto start = steady::now();
    answered_by_redis += a.admit(tenant, "m", false).has_value();
    slowest = std::max(slowest, steady::now() - start);
    std::this_thread::sleep_for(5ms);
  }
  server.resume();
  EXPECT_EQ(answered_by_redis, 0);
  EXPECT_GT(calls, 50);
  EXPECT_LE(slowest, 50ms + 100ms) << "an admission waited on Redis past its timeout";
  const auto resumed = steady::now();
  ASSERT_TRUE(a.wait_connected(5s)) << "not shared again after Redis came back";
  RecordProperty("slowest_admit_us", static_cast<int>(as_us(slowest)));
  RecordProperty("calls", calls);
  RecordProperty("shared_again_after_ms", static_cast<int>(as_ms(steady::now() - resumed)));
  EXPECT_LE(steady::now() - resumed, 3s);
  EXPECT_TRUE(a.admit(tenant, "m", false).has_value());
  EXPECT_EQ(a.get([&] { return a.limits().outages(); }), 1u) << "one outage, logged once";
}

TEST_F(redis_limits, shared_again_within_seconds_of_a_restart_with_running_streams_counted) {
  instance a(options_for(server, 200ms));
  instance b(options_for(server, 200ms));
  ASSERT_TRUE(a.wait_connected() && b.wait_connected());
  const auto tenant = tenant_with("restart", 0, 0, 1);
  ASSERT_TRUE(a.admit(tenant, "m", true).value().admitted);
  server.stop();  // its data goes with it (no persistence)
  const auto start = steady::now();
  EXPECT_FALSE(a.admit(tenant, "m", true).has_value());
  EXPECT_LE(steady::now() - start, 200ms + 100ms);
  ASSERT_TRUE(server.start());
  const auto restarted = steady::now();
  ASSERT_TRUE(a.wait_connected(5s) && b.wait_connected(5s));
  EXPECT_LE(steady::now() - restarted, 3s);
  RecordProperty("shared_again_after_ms", static_cast<int>(as_ms(steady::now() - restarted)));
  ASSERT_TRUE(a.admit(tenant_with("other", 0, 0, 0), "m", false));  // a's refresh has run
  const auto after = b.admit(tenant, "m", true);
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->admitted) << "a's running stream was counted again on reconnect";
}

TEST_F(redis_limits, a_script_flush_falls_back_to_eval) {
  instance a(options_for(server));
  ASSERT_TRUE(a.wait_connected());
  const auto tenant = tenant_with("flush", 3, 0, 0);
  ASSERT_TRUE(a.admit(tenant, "m", false).value().admitted);
  EXPECT_EQ(redis_do(server, "SCRIPT FLUSH"), "OK");
  const auto after = a.admit(tenant, "m", false);
  ASSERT_TRUE(after) << "NOSCRIPT was not retried with EVAL";
  EXPECT_TRUE(after->admitted);
  EXPECT_EQ(after->info.remaining_requests, 1);
  EXPECT_EQ(command_calls(server, "eval"), 1);
  EXPECT_EQ(a.admit(tenant, "m", false).value().info.remaining_requests, 0)
      << "EVALSHA works again";
  EXPECT_EQ(command_calls(server, "eval"), 1);
}

TEST_F(redis_limits, one_command_per_admission_and_one_per_release) {
  instance a(options_for(server));
  ASSERT_TRUE(a.wait_connected());
  const auto tenant = tenant_with("trips", 100'000, 1'000'000, 0);
  const auto before = command_calls(server, "evalsha");
  constexpr int calls = 50;
  for (int i = 0; i < calls; ++i) {
    std::string slot;
    ASSERT_TRUE(a.admit(tenant, "m", false, 100, &slot).value().admitted);
    a.release(slot, 40);
  }
  ASSERT_TRUE(a.admit(tenant_with("other", 0, 0, 0), "m", false));
  EXPECT_EQ(command_calls(server, "evalsha") - before, 2 * calls + 1);
}

// The limiter actor in Redis mode, on an io thread of the scheduler module as in the gateway.
class limiter_on_redis : public redis_limits {
 protected:
  limiter_on_redis() : pool(1) {
    pool.start();
    config.emplace(pool);
    system.emplace(*config);
  }
  ~limiter_on_redis() override {
    if (limiter) caf::anon_send_exit(limiter, caf::exit_reason::user_shutdown);
    system.reset();
    pool.stop();
  }
  void spawn(const redis::options& opts) {
    // Made on the io thread it runs on; the actor's state is its only owner.
    pool.run_on(0, [&] {
      auto limits = redis::shared_limits::create(pool.context(0), opts).value();
      shared = limits;
      limiter = actors::spawn_rate_limiter(*system, std::make_shared<actors::shared_rate_limits>(0),
                                           std::move(limits));
    });
  }
  bool wait_connected() {
    for (const auto until = steady::now() + 5s; steady::now() < until;) {
      bool up = false;
      pool.run_on(0, [&] {
        auto limits = shared.lock();
        up = limits && limits->connected();
      });
      if (up) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  std::optional<actors::admission> admit(caf::scoped_actor& self, const tenant_info& tenant,
                                         bool stream) {
    std::optional<actors::admission> out;
    self->request(limiter, caf::infinite, admit_atom::value, tenant, std::string("m"), stream,
                  std::int64_t{1})
        .receive([&](const actors::admission& decision) { out = decision; },
                 [&](const caf::error&) {});
    return out;
  }

  loop::io_pool pool;
  std::optional<scheduler::io_system_config> config;
  std::optional<caf::actor_system> system;
  actors::limiter_actor limiter;
  std::weak_ptr<redis::shared_limits> shared;  // to see it connect; the limiter owns it
};

TEST_F(limiter_on_redis, shares_the_limits_and_frees_the_slot_of_a_session_that_ended) {
  spawn(options_for(server));
  instance other(options_for(server));
  ASSERT_TRUE(other.wait_connected());
  const auto tenant = tenant_with("actor", 0, 0, 1);
  ASSERT_TRUE(wait_connected());
  caf::scoped_actor observer(*system);
  {
    caf::scoped_actor holder(*system);
    ASSERT_TRUE(admit(holder, tenant, true).value().admitted);
    ASSERT_FALSE(other.admit(tenant, "m", true).value().admitted) << "admitted through Redis";
  }  // the holder ends without a release
  bool freed = false;
  for (const auto until = steady::now() + 3s; !freed && steady::now() < until;) {
    freed = other.admit(tenant, "m", true).value().admitted;
    if (!freed) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(freed) << "the ended session's slot stayed held in Redis";
  EXPECT_FALSE(admit(observer, tenant, true).value().admitted) << "the other instance holds it now";
}

TEST_F(limiter_on_redis, moves_a_call_to_a_fallback_model_in_redis) {
  auto opts = options_for(server);
  opts.model_max_concurrency = 1;
  spawn(opts);
  instance other(opts);
  ASSERT_TRUE(wait_connected() && other.wait_connected());
  const auto tenant = tenant_with("actor_move", 0, 0, 0);
  {
    caf::scoped_actor holder(*system);
    ASSERT_TRUE(admit(holder, tenant, false).value().admitted);
    std::optional<bool> moved;
    holder->request(limiter, caf::infinite, move_atom::value, std::string("m"), std::string("m2"))
        .receive([&](bool answer) { moved = answer; }, [&](const caf::error&) {});
    EXPECT_EQ(moved, std::optional<bool>(true));
    EXPECT_TRUE(other.admit(tenant, "m", false).value().admitted) << "the move freed m";
    EXPECT_FALSE(other.admit(tenant, "m2", false).value().admitted) << "the call holds m2 now";
  }  // the holder ends without a release: its slot on m2 is freed
  bool freed = false;
  for (const auto until = steady::now() + 3s; !freed && steady::now() < until;) {
    freed = other.admit(tenant, "m2", false).value().admitted;
    if (!freed) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(freed);
}

TEST_F(limiter_on_redis, answers_from_local_limits_within_the_timeout_while_redis_is_paused) {
  spawn(options_for(server, 50ms));
  const auto tenant = tenant_with("actor_paused", 2, 0, 0);
  caf::scoped_actor self(*system);
  ASSERT_TRUE(wait_connected());
  server.pause();
  int admitted = 0;
  steady::duration slowest{};
  for (int i = 0; i < 5; ++i) {
    const auto start = steady::now();
    const auto decision = admit(self, tenant, false);
    slowest = std::max(slowest, steady::now() - start);
    ASSERT_TRUE(decision) << "no answer while Redis is paused";
    admitted += decision->admitted;
  }
  server.resume();
  EXPECT_EQ(admitted, 2) << "this instance's own limits decide meanwhile";
  EXPECT_LE(slowest, 50ms + 100ms);
}

}  // namespace
