// The scheduler module on its own: CAF's actor semantics hold with actors on 1 and N io threads,
// actors run where they were woken, and the system shuts down with actors and timers still alive.
#include "scheduler/io_scheduler.hpp"
#include "loop/io_pool.hpp"

#include <gtest/gtest.h>
#include <boost/asio/post.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

namespace {

using namespace std::chrono_literals;
using qgate::loop::io_pool;
using qgate::scheduler::io_scheduler;
using qgate::scheduler::io_system_config;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using where_atom = caf::atom_constant<caf::atom("where")>;

// The io thread index the caller runs on (-1: none), as seen by code inside an actor.
std::atomic<const io_pool*> the_pool{nullptr};
int here() {
  const auto index = the_pool.load()->current();
  return index ? static_cast<int>(*index) : -1;
}

// An actor system on `threads` io threads, run from the test's own thread.
class scheduler_env {
 protected:
  explicit scheduler_env(std::size_t threads) : pool(threads) {
    the_pool = &pool;
    pool.start();
    cfg.emplace(pool);
    system.emplace(*cfg);
  }
  ~scheduler_env() {
    system.reset();  // on this thread, outside the pool, with the loops still running
    pool.stop();
  }
  io_scheduler& scheduler() { return static_cast<io_scheduler&>(system->scheduler()); }

  // Runs `f` inside io thread `index`'s loop and waits for its result.
  template <class F>
  auto on_thread(std::size_t index, F f) {
    std::promise<decltype(f())> result;
    boost::asio::post(pool.context(index), [&] { result.set_value(f()); });
    return result.get_future().get();
  }

  io_pool pool;
  std::optional<io_system_config> cfg;
  std::optional<caf::actor_system> system;
};

class scheduler_test : public ::testing::TestWithParam<std::size_t>, protected scheduler_env {
 protected:
  scheduler_test() : scheduler_env(GetParam()) {}
};

class two_thread_scheduler_test : public ::testing::Test, protected scheduler_env {
 protected:
  two_thread_scheduler_test() : scheduler_env(2) {}
};

caf::behavior echo(caf::event_based_actor*, int /*tag*/) {
  return {
      [](ping_atom, int x) { return x + 1; },
      [](where_atom) { return here(); },
  };
}

TEST_P(scheduler_test, spawns_and_answers_requests_from_outside_the_pool) {
  auto actor = system->spawn(echo, 0);
  caf::scoped_actor self{*system};
  for (int i = 0; i < 100; ++i) {
    self->request(actor, caf::infinite, ping_atom::value, i)
        .receive([&](int y) { EXPECT_EQ(y, i + 1); },
                 [&](caf::error& err) { FAIL() << system->render(err); });
  }
  int where = -2;
  self->request(actor, caf::infinite, where_atom::value)
      .receive([&](int w) { where = w; }, [](caf::error&) {});
  EXPECT_GE(where, 0) << "actors run on the io threads";
  EXPECT_LT(where, static_cast<int>(pool.size()));
  self->send_exit(actor, caf::exit_reason::user_shutdown);
}

// CAF 0.17 binds a reference to a null pointer when spawning a function without arguments
// (UBSan reports it), so every actor here takes at least one.

// A session-shaped actor: asks another actor, then reports the thread each step ran on.
caf::behavior asker(caf::event_based_actor* self, caf::actor target, caf::actor report) {
  const int spawned_on = here();
  self->request(target, caf::infinite, ping_atom::value, 41).then([=](int answer) {
    self->send(report, spawned_on, here(), answer);
    self->quit();
  });
  return {};
}

TEST_P(scheduler_test, an_actor_runs_on_the_thread_that_spawned_it_and_stays_there) {
  caf::scoped_actor self{*system};
  for (std::size_t k = 0; k < pool.size(); ++k) {
    // The target lives on thread k too (spawned there), like a per-thread catalog actor.
    auto target = on_thread(k, [&] { return system->spawn(echo, 0); });
    auto session = on_thread(k, [&] { return system->spawn(asker, target, caf::actor{self}); });
    self->receive([&](int spawned_on, int replied_on, int answer) {
      EXPECT_EQ(spawned_on, static_cast<int>(k));
      EXPECT_EQ(replied_on, static_cast<int>(k));
      EXPECT_EQ(answer, 42);
    });
    // Woken from outside (this thread), it still answers on its home thread.
    self->request(target, caf::infinite, where_atom::value)
        .receive([&](int w) { EXPECT_EQ(w, static_cast<int>(k)); }, [](caf::error&) {});
    self->send_exit(target, caf::exit_reason::user_shutdown);
  }
}

TEST_F(two_thread_scheduler_test, a_message_from_another_io_thread_runs_the_actor_at_home) {
  caf::scoped_actor self{*system};
  auto home = on_thread(0, [&] { return system->spawn(echo, 0); });
  // The asker lives on thread 1 and its target on thread 0: the reply brings it back to 1.
  auto session = on_thread(1, [&] { return system->spawn(asker, home, caf::actor{self}); });
  self->receive([&](int spawned_on, int replied_on, int answer) {
    EXPECT_EQ(spawned_on, 1);
    EXPECT_EQ(replied_on, 1);
    EXPECT_EQ(answer, 42);
  });
  self->request(home, caf::infinite, where_atom::value)
      .receive([&](int w) { EXPECT_EQ(w, 0); }, [](caf::error&) {});
  self->send_exit(home, caf::exit_reason::user_shutdown);
}

TEST_P(scheduler_test, a_request_times_out_on_the_asio_clock) {
  auto silent = system->spawn(
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {[](ping_atom, int) -> caf::result<int> { return caf::delegated<int>{}; }};
      },
      0);
  auto report = std::make_shared<std::promise<caf::error>>();
  system->spawn(
      [=](caf::event_based_actor* self, int) {
        self->request(silent, 30ms, ping_atom::value, 1)
            .then([=](int) { report->set_value(caf::error{}); },
                  [=](caf::error& err) { report->set_value(err); });
      },
      0);
  auto future = report->get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready) << "the request timeout never fired";
  EXPECT_EQ(future.get(), caf::sec::request_timeout);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST_P(scheduler_test, delayed_send_arrives_after_its_delay_not_before) {
  caf::scoped_actor self{*system};
  const auto sent = std::chrono::steady_clock::now();
  self->delayed_send(self, 40ms, ping_atom::value, 7);
  self->receive([&](ping_atom, int x) {
    EXPECT_EQ(x, 7);
    EXPECT_GE(std::chrono::steady_clock::now() - sent, 40ms);
  });
}

TEST_P(scheduler_test, receive_timeouts_fire_and_are_replaced_by_each_message) {
  auto fired = std::make_shared<std::promise<int>>();
  auto actor = system->spawn(
      [=](caf::event_based_actor* self, int) -> caf::behavior {
        auto count = std::make_shared<int>(0);
        return {
            [=](ping_atom, int) { ++*count; },
            caf::after(std::chrono::milliseconds(50)) >>
                [=] {
                  fired->set_value(*count);
                  self->quit();
                },
        };
      },
      0);
  for (int i = 0; i < 5; ++i) caf::anon_send(actor, ping_atom::value, i);
  auto future = fired->get_future();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(future.get(), 5);
}

TEST_P(scheduler_test, monitor_delivers_down_and_link_delivers_exit) {
  caf::scoped_actor self{*system};
  auto watched = system->spawn(echo, 0);
  self->monitor(watched);
  // The partner links itself to `watched` and ends when an exit arrives through the link.
  auto linked_partner = system->spawn(
      [](caf::event_based_actor* partner, caf::actor other) -> caf::behavior {
        partner->link_to(other);
        partner->set_exit_handler([=](caf::exit_msg& msg) { partner->quit(msg.reason); });
        return {[](ping_atom, int x) { return x; }};
      },
      watched);
  self->monitor(linked_partner);
  // Its first message is handled after its initialisation, so the link exists before the exit.
  self->request(linked_partner, caf::infinite, ping_atom::value, 0)
      .receive([](int) {}, [](caf::error&) {});
  self->send_exit(watched, caf::exit_reason::kill);
  int downs = 0;
  for (int i = 0; i < 2; ++i) {
    self->receive([&](caf::down_msg& msg) {
      ++downs;
      if (msg.source == watched.address()) {
        EXPECT_EQ(msg.reason, caf::exit_reason::kill);
      }
    });
  }
  EXPECT_EQ(downs, 2) << "the linked partner ended with the actor it was linked to";
}

TEST_P(scheduler_test, thousands_of_short_lived_actors_all_run_and_end) {
  constexpr int actors = 5000;
  auto done = std::make_shared<std::atomic<int>>(0);
  auto all_done = std::make_shared<std::promise<void>>();
  const int per_thread = actors / static_cast<int>(pool.size());
  const int total = per_thread * static_cast<int>(pool.size());
  auto& sys = *system;
  auto spawn_batch = [&sys, done, all_done, per_thread, total] {
    for (int i = 0; i < per_thread; ++i) {
      auto target = sys.spawn(echo, 0);
      sys.spawn(
          [=](caf::event_based_actor* self, int) {
            self->request(target, caf::infinite, ping_atom::value, i).then([=](int y) {
              EXPECT_EQ(y, i + 1);
              self->send_exit(target, caf::exit_reason::user_shutdown);
              if (++*done == total) all_done->set_value();
              self->quit();
            });
          },
          0);
    }
  };
  for (std::size_t k = 0; k < pool.size(); ++k) boost::asio::post(pool.context(k), spawn_batch);
  ASSERT_EQ(all_done->get_future().wait_for(60s), std::future_status::ready) << *done;
  // Every actor ends: only the system's own (lazy) actors remain registered as running.
  for (int i = 0; i < 1000 && system->registry().running() > 0; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(system->registry().running(), 0u);
  const auto resumes = scheduler().resumes_per_thread();
  for (auto count : resumes) EXPECT_GT(count, 0u) << "every io thread ran actors";
}

// Heartbeat actors never end by themselves and always have a delayed message pending.
caf::behavior heartbeat(caf::event_based_actor* self, int /*tag*/) {
  self->delayed_send(self, 10ms, ping_atom::value, 0);
  return {[=](ping_atom, int n) { self->delayed_send(self, 10ms, ping_atom::value, n + 1); }};
}

TEST_P(scheduler_test, shuts_down_with_actors_and_timers_still_alive) {
  std::vector<caf::actor> beating;
  for (int i = 0; i < 200; ++i) beating.push_back(system->spawn(heartbeat, 0));
  auto waiting = system->spawn(
      [](caf::event_based_actor* self, int) -> caf::behavior {
        self->delayed_send(self, std::chrono::hours(1), ping_atom::value, 0);
        return {[](ping_atom, int) {}};
      },
      0);
  std::this_thread::sleep_for(50ms);  // let the heartbeats run a few rounds
  EXPECT_GT(scheduler().timers().pending(), 0u);
  for (auto& actor : beating) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(waiting, caf::exit_reason::user_shutdown);
  beating.clear();
  waiting = nullptr;
  const auto started = std::chrono::steady_clock::now();
  system.reset();  // waits for every actor; the hour-long delayed message does not hold it up
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_P(scheduler_test, shuts_down_without_waiting_for_actors_that_never_end) {
  system->await_actors_before_shutdown(false);
  for (int i = 0; i < 50; ++i) system->spawn(heartbeat, 0);
  std::this_thread::sleep_for(30ms);
  system.reset();  // their timers are cancelled and the actors released: ASan sees no leak
}

INSTANTIATE_TEST_SUITE_P(io_threads, scheduler_test, ::testing::Values(1, 3),
                         [](const auto& param) {
                           return std::to_string(param.param) + "_threads";
                         });

}  // namespace
