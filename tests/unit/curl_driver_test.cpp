// The curl driver on an io_context run by the test thread, against a real local HTTP server on the
// same loop: what observers see, when, and that every way a transfer ends leaves nothing behind.
#include "upstream/curl_driver.hpp"
#include "tests/unit/local_http_server.hpp"

#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace qgate::upstream {
namespace {

using namespace std::chrono_literals;
using testing::local_http_server;

// Records every callback; flags one that comes inside a driver call or on another thread.
class recording_observer final : public transfer_observer {
 public:
  explicit recording_observer(const bool* inside_driver_call)
      : inside_driver_call_(inside_driver_call) {}

  void on_status(response_head h) override {
    check();
    events.push_back("status");
    head = h;
  }
  void on_data(std::string bytes) override {
    check();
    events.push_back("data");
    body += bytes;
    if (on_data_hook) on_data_hook();
  }
  void on_done(transfer_outcome o) override {
    check();
    events.push_back("done");
    outcome = std::move(o);
  }
  void flush() override {
    check();
    if (events.empty() || events.back() == "flush") empty_flush = true;
    events.push_back("flush");
  }

  bool done() const { return outcome.has_value(); }
  std::size_t count(std::string_view event) const {
    return static_cast<std::size_t>(std::count(events.begin(), events.end(), event));
  }

  std::vector<std::string> events;
  std::optional<response_head> head;
  std::string body;
  std::optional<transfer_outcome> outcome;
  std::function<void()> on_data_hook;
  bool called_inside_driver_call = false;
  bool called_on_other_thread = false;
  bool empty_flush = false;

 private:
  void check() {
    if (*inside_driver_call_) called_inside_driver_call = true;
    if (std::this_thread::get_id() != io_thread_) called_on_other_thread = true;
  }
  const bool* inside_driver_call_;
  std::thread::id io_thread_ = std::this_thread::get_id();
};

std::size_t open_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

class curl_driver_test : public ::testing::Test {
 protected:
  std::shared_ptr<recording_observer> observer() {
    return std::make_shared<recording_observer>(&inside_driver_call_);
  }

  // Inside a handler of the loop, where the driver acts at once (see on_io).
  transfer_id start_here(const std::shared_ptr<recording_observer>& to, std::string_view path,
                         transfer_limits limits = {}, std::string body = "ping") {
    http_call call;
    call.url = path.starts_with("http") ? std::string(path) : server_.url(path);
    call.body = std::move(body);
    call.headers = {"Content-Type: text/plain"};
    return driver_->start(std::move(call), limits, to);
  }
  transfer_id start(const std::shared_ptr<recording_observer>& to, std::string_view path,
                    transfer_limits limits = {}, std::string body = "ping") {
    transfer_id id = 0;
    on_io([&] { id = start_here(to, path, limits, std::move(body)); });
    return id;
  }

  // Runs `call` in a handler of the loop (the driver's inline path), flagging observer callbacks
  // that would run inside it.
  void on_io(const std::function<void()>& call) {
    bool ran = false;
    boost::asio::post(io_, [&] {
      inside_driver_call_ = true;
      call();
      inside_driver_call_ = false;
      ran = true;
    });
    ASSERT_TRUE(run_until([&] { return ran; }));
  }

  // Runs the loop until `done`; false after `limit` (a hang is a failure, not a stuck test).
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(5ms);
    }
    return true;
  }
  // Runs the loop for `span` whatever happens (for checking that something does *not* happen).
  void run_for(std::chrono::milliseconds span) {
    const auto deadline = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < deadline) {
      if (io_.stopped()) io_.restart();
      io_.run_one_until(deadline);
    }
  }

  boost::asio::io_context io_;
  local_http_server server_{io_};
  std::unique_ptr<curl_driver> driver_ = std::make_unique<curl_driver>(io_);
  bool inside_driver_call_ = false;
};

TEST_F(curl_driver_test, unary_call_reports_status_body_and_done_in_one_flush) {
  auto seen = observer();
  on_io([&] {
    start_here(seen, "/unary");
    EXPECT_EQ(driver_->active_transfers(), 1u) << "started at once";
  });
  EXPECT_TRUE(seen->events.empty()) << "nothing is reported inside start()";
  ASSERT_TRUE(run_until([&] { return seen->done(); }));

  EXPECT_EQ(seen->events, (std::vector<std::string>{"status", "data", "done", "flush"}));
  ASSERT_TRUE(seen->head);
  EXPECT_EQ(seen->head->http_status, 200);
  EXPECT_EQ(seen->head->retry_after_s, 7);
  EXPECT_EQ(seen->body, "echo:ping");
  EXPECT_EQ(seen->outcome->http_status, 200);
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none);
  EXPECT_FALSE(seen->called_inside_driver_call);
  EXPECT_FALSE(seen->called_on_other_thread);
  EXPECT_EQ(driver_->active_transfers(), 0u);
  EXPECT_EQ(seen.use_count(), 1) << "the driver let the observer go";
}

TEST_F(curl_driver_test, error_status_and_retry_after_reach_the_observer) {
  auto seen = observer();
  start(seen, "/throttled");
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->head->http_status, 429);
  EXPECT_EQ(seen->head->retry_after_s, 7);
  EXPECT_EQ(seen->outcome->http_status, 429);
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none);
}

TEST_F(curl_driver_test, streamed_chunks_arrive_in_order) {
  auto seen = observer();
  start(seen, "/stream");
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  std::string expected;
  for (int i = 0; i < local_http_server::stream_chunks; ++i) {
    expected += "event " + std::to_string(i) + "\n";
  }
  EXPECT_EQ(seen->body, expected);
  EXPECT_EQ(seen->events.front(), "status");
  EXPECT_EQ(seen->count("status"), 1u);
  EXPECT_EQ(seen->count("done"), 1u);
  EXPECT_EQ(seen->events.back(), "flush");
  EXPECT_FALSE(seen->empty_flush) << "a flush only follows events";
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none);
}

// Long upstream silences are normal for model streams: once curl's own timers from the connect
// have run out, only a re-armed wait on the socket notices the next bytes.
TEST_F(curl_driver_test, data_after_a_long_quiet_spell_still_arrives) {
  auto seen = observer();
  start(seen, "/hold");
  ASSERT_TRUE(run_until([&] { return seen->body == "first\n"; }));
  run_for(300ms);
  server_.release_held();
  ASSERT_TRUE(run_until([&] { return seen->done(); }, 2s));
  EXPECT_EQ(seen->body, "first\nrest\n");
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none);
}

TEST_F(curl_driver_test, cancel_stops_every_callback) {
  auto seen = observer();
  const auto id = start(seen, "/hold");
  ASSERT_TRUE(run_until([&] { return seen->body == "first\n"; }));
  on_io([&] { driver_->cancel(id); });
  const auto events_at_cancel = seen->events.size();
  EXPECT_EQ(driver_->active_transfers(), 0u);
  EXPECT_EQ(seen.use_count(), 1);

  server_.release_held();  // the rest would come now, to a closed connection
  ASSERT_TRUE(run_until([&] { return server_.stats().closed_by_client == 1; }));
  run_for(50ms);
  EXPECT_EQ(seen->events.size(), events_at_cancel);
  EXPECT_FALSE(seen->done());
}

TEST_F(curl_driver_test, cancel_from_inside_a_callback_stops_the_callbacks_at_once) {
  auto seen = observer();
  transfer_id id = 0;
  seen->on_data_hook = [&] { driver_->cancel(id); };
  id = start(seen, "/stream");
  ASSERT_TRUE(run_until([&] { return server_.stats().closed_by_client == 1; }));
  run_for(50ms);
  EXPECT_EQ(seen->events, (std::vector<std::string>{"status", "data"}))
      << "neither more data nor the turn's flush after cancel()";
  EXPECT_EQ(driver_->active_transfers(), 0u);
}

TEST_F(curl_driver_test, paused_transfer_gets_no_data_and_no_idle_timeout_until_resumed) {
  auto seen = observer();
  transfer_limits limits;
  limits.idle_timeout = 50ms;
  const auto id = start(seen, "/big", limits);
  ASSERT_TRUE(run_until([&] { return !seen->body.empty(); }));
  on_io([&] { driver_->pause(id); });
  EXPECT_EQ(driver_->pauses(), 1u);
  const auto bytes_at_pause = seen->body.size();
  ASSERT_LT(bytes_at_pause, local_http_server::big_body_bytes);

  run_for(200ms);  // four idle timeouts long
  EXPECT_EQ(seen->body.size(), bytes_at_pause);
  EXPECT_FALSE(seen->done());

  on_io([&] {
    const auto events_before_resume = seen->events.size();
    driver_->resume(id);
    EXPECT_EQ(seen->events.size(), events_before_resume) << "resume() delivers on a later turn";
  });
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none);
  EXPECT_EQ(seen->body.size(), local_http_server::big_body_bytes);
  EXPECT_FALSE(seen->called_inside_driver_call);
  EXPECT_EQ(driver_->pauses(), 1u);
}

TEST_F(curl_driver_test, first_byte_timeout_fires) {
  auto seen = observer();
  transfer_limits limits;
  limits.first_byte_timeout = 100ms;
  const auto began = std::chrono::steady_clock::now();
  start(seen, "/silent", limits);
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - began, 100ms);
  EXPECT_EQ(seen->outcome->failure, transfer_failure::first_byte_timeout);
  EXPECT_EQ(seen->events.back(), "flush");
  ASSERT_TRUE(run_until([&] { return server_.stats().closed_by_client == 1; }));
}

TEST_F(curl_driver_test, idle_timeout_fires_after_the_first_byte) {
  auto seen = observer();
  transfer_limits limits;
  limits.idle_timeout = 100ms;
  start(seen, "/hold", limits);
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->body, "first\n");
  EXPECT_EQ(seen->outcome->failure, transfer_failure::idle_timeout);
}

TEST_F(curl_driver_test, total_timeout_fires_while_data_still_flows) {
  auto seen = observer();
  transfer_limits limits;
  limits.total_timeout = 150ms;
  start(seen, "/hold", limits);
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->outcome->failure, transfer_failure::total_timeout);
  EXPECT_FALSE(seen->outcome->message.empty());
}

// A host name goes through curl's resolver thread, whose socketpair curl opens and closes itself
// (the driver watches a duplicate of it). Needs the machine's name to resolve to 127.0.0.1.
TEST_F(curl_driver_test, host_name_resolved_by_curl_works) {
  std::array<char, 256> name{};
  ASSERT_EQ(::gethostname(name.data(), name.size() - 1), 0);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  bool loopback = false;
  if (::getaddrinfo(name.data(), nullptr, &hints, &found) == 0) {
    for (auto* a = found; a != nullptr; a = a->ai_next) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      loopback = loopback || ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK;
    }
    ::freeaddrinfo(found);
  }
  if (!loopback) GTEST_SKIP() << name.data() << " does not resolve to 127.0.0.1";

  const auto descriptors_before = open_descriptors();
  auto seen = observer();
  start(seen,
        "http://" + std::string(name.data()) + ":" + std::to_string(server_.port()) + "/unary");
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->outcome->failure, transfer_failure::none) << seen->outcome->message;
  EXPECT_EQ(seen->body, "echo:ping");
  // The kept-alive connection's two ends; the resolver's socketpair and its duplicate are closed.
  EXPECT_EQ(open_descriptors(), descriptors_before + 2);
}

TEST_F(curl_driver_test, closed_port_is_connect_failed) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::ip::tcp::acceptor probe(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  auto seen = observer();
  start(seen, "http://127.0.0.1:" + std::to_string(closed_port) + "/unary");
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->outcome->failure, transfer_failure::connect_failed);
  EXPECT_FALSE(seen->outcome->message.empty());
  EXPECT_FALSE(seen->called_inside_driver_call);
}

TEST_F(curl_driver_test, malformed_url_fails_on_a_later_turn) {
  auto seen = observer();
  start(seen, "http://[::1/unary");
  EXPECT_TRUE(seen->events.empty());
  ASSERT_TRUE(run_until([&] { return seen->done(); }));
  EXPECT_EQ(seen->outcome->failure, transfer_failure::network);
  EXPECT_FALSE(seen->outcome->message.empty());
}

TEST_F(curl_driver_test, two_hundred_concurrent_transfers_all_complete) {
  constexpr int transfers = 200;
  std::vector<std::shared_ptr<recording_observer>> seen;
  on_io([&] {
    for (int i = 0; i < transfers; ++i) {
      seen.push_back(observer());
      start_here(seen.back(), "/unary", {}, "call " + std::to_string(i));
    }
    EXPECT_EQ(driver_->active_transfers(), static_cast<std::size_t>(transfers));
  });
  ASSERT_TRUE(run_until([&] {
    return std::all_of(seen.begin(), seen.end(), [](const auto& s) { return s->done(); });
  }));
  for (int i = 0; i < transfers; ++i) {
    const auto& s = *seen[static_cast<std::size_t>(i)];
    EXPECT_EQ(s.outcome->failure, transfer_failure::none) << i << ": " << s.outcome->message;
    EXPECT_EQ(s.body, "echo:call " + std::to_string(i));
    EXPECT_EQ(s.count("flush"), 1u) << i;
  }
  EXPECT_EQ(driver_->active_transfers(), 0u);
}

TEST_F(curl_driver_test, calls_from_another_thread_are_posted_and_run_on_the_io_thread) {
  constexpr int transfers = 20;
  std::vector<std::shared_ptr<recording_observer>> seen;
  for (int i = 0; i < transfers; ++i) seen.push_back(observer());
  auto cancelled = observer();
  auto paused = observer();
  bool marker = false;
  const std::string unary_url = server_.url("/unary");
  http_call hold;
  hold.url = server_.url("/hold");
  http_call big;
  big.url = server_.url("/big");
  std::thread caller([&] {
    for (int i = 0; i < transfers; ++i) {
      http_call call;
      call.url = unary_url;
      call.body = std::to_string(i);
      driver_->start(std::move(call), {}, seen[static_cast<std::size_t>(i)]);
    }
    driver_->cancel(driver_->start(hold, {}, cancelled));
    const auto id = driver_->start(big, {}, paused);
    driver_->pause(id);
    driver_->resume(id);
    // Posted after the calls above from the same thread: it runs after them.
    boost::asio::post(io_, [&] { marker = true; });
  });
  ASSERT_TRUE(run_until([&] { return marker; }));
  caller.join();
  const auto events_after_cancel = cancelled->events.size();
  ASSERT_TRUE(run_until([&] {
    return paused->done() &&
           std::all_of(seen.begin(), seen.end(), [](const auto& s) { return s->done(); });
  }));
  for (int i = 0; i < transfers; ++i) {
    const auto& s = *seen[static_cast<std::size_t>(i)];
    EXPECT_EQ(s.body, "echo:" + std::to_string(i));
    EXPECT_FALSE(s.called_on_other_thread);
  }
  EXPECT_EQ(paused->body.size(), local_http_server::big_body_bytes);
  EXPECT_EQ(driver_->pauses(), 1u);
  run_for(50ms);
  EXPECT_EQ(cancelled->events.size(), events_after_cancel);
  EXPECT_FALSE(cancelled->done());
  EXPECT_EQ(driver_->active_transfers(), 0u);
}

// Under ASan: handlers still queued for sockets, timers and posts of a destroyed driver are
// harmless, and every connection is closed.
TEST_F(curl_driver_test, destroying_the_driver_on_the_io_thread_with_transfers_in_flight) {
  std::vector<std::shared_ptr<recording_observer>> seen;
  for (const auto* path : {"/hold", "/hold", "/silent", "/silent", "/big", "/unary"}) {
    seen.push_back(observer());
    start(seen.back(), path);
  }
  ASSERT_TRUE(run_until([&] {
    return seen[0]->body == "first\n" && seen[1]->body == "first\n" && !seen[4]->body.empty() &&
           server_.stats().requests == seen.size();
  }));
  bool destroyed = false;
  seen.push_back(observer());
  boost::asio::post(io_, [&] {
    start_here(seen.back(), "/unary");  // leaves its first kick queued
    driver_.reset();
    destroyed = true;
  });
  ASSERT_TRUE(run_until([&] { return destroyed; }));
  ASSERT_TRUE(run_until([&] { return server_.stats().closed_by_client == seen.size() - 1; }));
  run_for(50ms);
  for (const auto& s : seen) EXPECT_EQ(s.use_count(), 1);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_FALSE(seen[i]->done()) << i;  // 5: /unary, ended
  EXPECT_TRUE(seen.back()->events.empty());
}

TEST_F(curl_driver_test, destroying_the_driver_after_the_loop_stopped) {
  auto held = observer();
  auto silent = observer();
  start(held, "/hold");
  start(silent, "/silent");
  ASSERT_TRUE(run_until([&] { return held->body == "first\n" && server_.stats().requests == 2; }));
  driver_.reset();  // not running the loop now
  ASSERT_TRUE(run_until([&] { return server_.stats().closed_by_client == 2; }));
  EXPECT_EQ(held.use_count(), 1);
  EXPECT_EQ(silent.use_count(), 1);
  EXPECT_FALSE(held->done());
}

}  // namespace
}  // namespace qgate::upstream
