// The io threads' loops: with a busy-poll budget they still run every handler and timer, stop on
// request, and sleep in the kernel once quiet for longer than the budget (no endless spinning).
#include "loop/io_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>

namespace qgate::loop {
namespace {

using namespace std::chrono_literals;

struct thread_sample {
  char state = '?';
  long cpu_ticks = 0;  // user + system
};

// /proc/self/task/<tid>/stat: the state (field 3) and utime + stime (fields 14 and 15).
thread_sample sample(long tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  thread_sample out;
  rest >> out.state;
  std::string skip;
  for (int field = 4; field <= 13; ++field) rest >> skip;
  long user = 0;
  long system = 0;
  rest >> user >> system;
  out.cpu_ticks = user + system;
  return out;
}

class io_pool_test : public ::testing::TestWithParam<std::chrono::microseconds> {};

TEST_P(io_pool_test, runs_posted_handlers_and_timers_then_sleeps_when_quiet) {
  io_pool pool(1, GetParam());
  pool.start();
  long tid = 0;
  pool.run_on(0, [&] { tid = static_cast<long>(::syscall(SYS_gettid)); });

  // Handlers posted from another thread all run, in order.
  std::atomic<int> ran{0};
  std::promise<void> posted;
  for (int i = 0; i < 1000; ++i) {
    boost::asio::post(pool.context(0), [&, i] {
      EXPECT_EQ(ran.fetch_add(1), i);
      if (i == 999) posted.set_value();
    });
  }
  ASSERT_EQ(posted.get_future().wait_for(5s), std::future_status::ready);

  // A timer fires on time, whether the loop polls or sleeps.
  boost::asio::steady_timer timer(pool.context(0));
  std::promise<std::chrono::steady_clock::time_point> fired;
  const auto armed = std::chrono::steady_clock::now();
  pool.run_on(0, [&] {
    timer.expires_after(20ms);
    timer.async_wait([&](auto) { fired.set_value(std::chrono::steady_clock::now()); });
  });
  auto when = fired.get_future();
  ASSERT_EQ(when.wait_for(5s), std::future_status::ready);
  const auto waited = when.get() - armed;
  EXPECT_GE(waited, 20ms);
  EXPECT_LT(waited, 1s);

  // Quiet for far longer than the budget: the thread sleeps and burns (almost) no CPU.
  std::this_thread::sleep_for(100ms);
  const auto before = sample(tid);
  std::this_thread::sleep_for(500ms);
  const auto after = sample(tid);
  EXPECT_EQ(after.state, 'S');
  EXPECT_LE(after.cpu_ticks - before.cpu_ticks, 5) << "clock ticks spent by an idle io thread";

  // And it wakes for the next handler.
  std::promise<void> woke;
  boost::asio::post(pool.context(0), [&] { woke.set_value(); });
  EXPECT_EQ(woke.get_future().wait_for(5s), std::future_status::ready);

  const auto stopping = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
}

TEST_P(io_pool_test, stops_while_polling) {
  io_pool pool(2, GetParam());
  pool.start();
  // Keep both loops busy right up to the stop.
  std::atomic<bool> spin{true};
  for (std::size_t i = 0; i < pool.size(); ++i) {
    boost::asio::post(pool.context(i), [&] {
      while (spin.load()) std::this_thread::yield();
    });
  }
  std::this_thread::sleep_for(10ms);
  spin = false;
  const auto stopping = std::chrono::steady_clock::now();
  pool.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, 1s);
}

INSTANTIATE_TEST_SUITE_P(budgets, io_pool_test, ::testing::Values(0us, 50us, 10'000us),
                         [](const auto& param) {
                           return std::to_string(param.param.count()) + "us";
                         });

}  // namespace
}  // namespace qgate::loop
