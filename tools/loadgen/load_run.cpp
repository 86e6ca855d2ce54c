// The only Asio/Beast translation unit. Each I/O thread runs one worker: an io_context, its
// connections and one periodic tick (arrivals, stall and drain checks). Connections are owned by
// their worker and outlive its io_context run, so handlers capture plain `this`. Each
// asynchronous operation has one handler type, which keeps Beast's instantiations few.
#include "tools/loadgen/load_run.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "tools/loadgen/sse_accounting.hpp"
#include "tools/loadgen/wire_reader.hpp"

namespace qgate::loadgen {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr auto tick_period = std::chrono::milliseconds(10);
constexpr std::size_t read_chunk_bytes = 4096;
// A 2xx non-stream body longer than this is not kept to be checked: it counts as a bad body.
constexpr std::size_t max_body_bytes = std::size_t{4} << 20;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
std::int64_t ms_to_ns(double ms) { return static_cast<std::int64_t>(ms * 1e6); }

class worker;

class connection {
 public:
  connection(worker& w, net::io_context& io, wire_reader& reader)
      : worker_(w), socket_(io), reader_(reader), sse_(reader) {}
  // Sends one request whose latency counts from `intended_ns`; measured ones are recorded.
  void start(std::int64_t intended_ns, bool measured);
  // Aborts what is under way, counted as `kind` (stall, unfinished).
  void abort(const char* kind);
  [[nodiscard]] bool busy() const { return busy_; }
  [[nodiscard]] std::int64_t last_activity_ns() const { return last_activity_ns_; }
  [[nodiscard]] bool connecting() const { return connecting_; }

 private:
  void connect();
  void write();
  void read();
  void on_read(error_code ec);
  void complete();
  // Adds the output tokens of a 2xx answer; false when a non-stream body is not a success.
  [[nodiscard]] bool account_answer(run_result& r);
  void fail(const char* kind, error_code ec);
  void close();

  worker& worker_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::array<char, read_chunk_bytes> body_{};
  wire_reader& reader_;
  sse_accounting sse_;
  std::string answer_;  // a 2xx non-stream body, kept to be checked at the end
  bool answer_too_large_ = false;
  bool open_ = false, busy_ = false, connecting_ = false, reused_ = false, retried_ = false;
  const char* abort_kind_ = nullptr;
  bool measured_ = false;
  // When the request was issued (open loop: its intended send time); latency and TTFT count from
  // here, so a connect the server forced (it closed after the last answer) is part of them.
  std::int64_t intended_ns_ = 0, last_activity_ns_ = 0, last_frame_ns_ = 0;
  std::uint64_t frames_seen_ = 0, body_bytes_ = 0;
};

class worker {
 public:
  worker(const run_options& o, live_counters& live, const std::string& request, int slots,
         double rate, std::int64_t start_ns)
      : o_(o),
        live_(live),
        request_(request),
        rate_(rate),
        timer_(io_),
        endpoint_(net::ip::make_address(o.address), o.port),
        start_ns_(start_ns),
        warm_end_ns_(start_ns + ms_to_ns(o.warmup_s * 1000)),
        deadline_ns_(o.requests != 0 ? INT64_MAX : warm_end_ns_ + ms_to_ns(o.duration_s * 1000)),
        next_arrival_ns_(start_ns) {
    const int n = o.mode == load_mode::closed ? slots : 0;
    for (int i = 0; i < n; ++i) add_connection();
  }

  run_result run() {
    if (o_.mode == load_mode::closed) {
      for (auto& c : connections_) issue(*c, now_ns());
    }
    if (o_.mode == load_mode::open && rate_ > 0) next_arrival();
    tick();
    io_.run();
    if (last_completion_ns_ > warm_end_ns_)
      result_.measured_ns = last_completion_ns_ - warm_end_ns_;
    return std::move(result_);
  }

  // Called by a connection when its request ended, well or not; it may get the next one.
  void on_idle(connection& c) {
    live_.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (o_.mode == load_mode::closed) {
      issue(c, now_ns());
    } else {
      idle_.push_back(&c);
      dispatch();
    }
  }
  void record_completion(std::int64_t t, bool error) {
    last_completion_ns_ = std::max(last_completion_ns_, t);
    live_.completed.fetch_add(1, std::memory_order_relaxed);
    if (error) live_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  run_result& result() { return result_; }
  const run_options& options() const { return o_; }
  const std::string& request() const { return request_; }
  const tcp::endpoint& endpoint() const { return endpoint_; }

 private:
  // Whether a request starting now is recorded, or none may start (nullopt).
  std::optional<bool> claim(std::int64_t t) {
    if (stopping_ || t >= deadline_ns_) return std::nullopt;
    if (t < warm_end_ns_) return false;
    if (o_.requests != 0 && live_.claimed.fetch_add(1) >= o_.requests) return std::nullopt;
    return true;
  }

  void issue(connection& c, std::int64_t intended) {
    const auto measured = claim(intended);
    if (!measured) return;
    live_.in_flight.fetch_add(1, std::memory_order_relaxed);
    c.start(intended, *measured);
  }

  void add_connection() {
    connections_.push_back(std::make_unique<connection>(*this, io_, reader_));
    ++result_.connections;
  }

  // Open loop: every due arrival goes to an idle connection, a new one, or waits in the queue
  // (its latency still counts from its intended time).
  void dispatch() {
    while (!queue_.empty()) {
      if (idle_.empty()) {
        if (static_cast<int>(connections_.size()) >= connection_cap()) return;
        add_connection();
        idle_.push_back(connections_.back().get());
      }
      connection* c = idle_.back();
      idle_.pop_back();
      const auto [intended, measured] = queue_.front();
      queue_.pop_front();
      c->start(intended, measured);
    }
  }
  int connection_cap() const { return std::max(1, o_.max_connections / std::max(1, o_.threads)); }

  void arrivals(std::int64_t t) {
    const auto interval = static_cast<std::int64_t>(1e9 / rate_);
    while (next_arrival_ns_ <= t) {
      const auto measured = claim(next_arrival_ns_);
      if (!measured) break;
      live_.in_flight.fetch_add(1, std::memory_order_relaxed);
      queue_.emplace_back(next_arrival_ns_, *measured);
      next_arrival_ns_ += interval;
    }
    dispatch();
  }

  // Open loop: its own timer wakes at each intended send time, so no tick delays an arrival.
  void next_arrival() {
    if (stopping_ || next_arrival_ns_ >= deadline_ns_) return;
    if (o_.requests != 0 && live_.claimed >= o_.requests) return;
    arrival_timer_.expires_at(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::nanoseconds(next_arrival_ns_))));
    arrival_timer_.async_wait([this](error_code ec) {
      if (ec) return;
      arrivals(now_ns());
      next_arrival();
    });
  }

  void tick() {
    const auto t = now_ns();
    const auto stall_ns = ms_to_ns(o_.stall_timeout_ms);
    const auto connect_ns = ms_to_ns(o_.connect_timeout_ms);
    std::size_t busy = 0;
    for (auto& c : connections_) {
      if (!c->busy()) continue;
      ++busy;
      const auto limit = c->connecting() ? connect_ns : stall_ns;
      if (t - c->last_activity_ns() > limit) c->abort(c->connecting() ? "connect" : "stall");
    }
    const bool issuing_over =
        t >= deadline_ns_ || (o_.requests != 0 && live_.claimed >= o_.requests);
    if (issuing_over && drain_end_ns_ == 0) drain_end_ns_ = t + ms_to_ns(o_.drain_timeout_ms);
    const bool drained = issuing_over && busy == 0 && queue_.empty();
    if (drained || (drain_end_ns_ != 0 && t >= drain_end_ns_)) return finish();
    timer_.expires_after(tick_period);
    timer_.async_wait([this](error_code ec) {
      if (!ec) tick();
    });
  }

  void finish() {
    stopping_ = true;
    arrival_timer_.cancel();
    for (auto& c : connections_) {
      if (c->busy()) c->abort("unfinished");
    }
    for (const auto& [intended, measured] : queue_) {
      if (measured) ++result_.transport["unfinished"];  // warm-up arrivals are not counted
    }
    live_.in_flight.fetch_sub(static_cast<std::int64_t>(queue_.size()));
    queue_.clear();
    // No io_.stop(): the aborted operations complete, count themselves, and then run() returns.
  }

  const run_options& o_;
  live_counters& live_;
  const std::string& request_;
  double rate_;
  net::io_context io_{1};
  net::steady_timer timer_;
  net::steady_timer arrival_timer_{io_};
  tcp::endpoint endpoint_;
  wire_reader reader_{o_.target};  // one parser for all of this thread's connections
  std::vector<std::unique_ptr<connection>> connections_;
  std::vector<connection*> idle_;
  std::deque<std::pair<std::int64_t, bool>> queue_;
  run_result result_;
  std::int64_t start_ns_, warm_end_ns_, deadline_ns_, next_arrival_ns_;
  std::int64_t last_completion_ns_ = 0, drain_end_ns_ = 0;
  bool stopping_ = false;
};

#include "tools/loadgen/load_connection.ipp"

}  // namespace

run_result run_load(const run_options& o, live_counters& live) {
  const std::string request = build_request(o);
  const int threads = std::max(1, o.threads);
  const auto start = now_ns();
  std::vector<std::unique_ptr<worker>> workers;
  for (int i = 0; i < threads; ++i) {
    const int slots = o.concurrency / threads + (i < o.concurrency % threads ? 1 : 0);
    workers.push_back(std::make_unique<worker>(o, live, request, slots, o.rate / threads, start));
  }
  std::vector<run_result> results(workers.size());
  std::vector<std::thread> pool;
  live.running = threads;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    pool.emplace_back([&, i] {
      results[i] = workers[i]->run();
      --live.running;
    });
  }
  for (auto& t : pool) t.join();
  run_result total;
  for (const auto& r : results) total.merge(r);
  return total;
}

}  // namespace qgate::loadgen
