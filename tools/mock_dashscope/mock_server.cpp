// The only Beast translation unit: one session per connection reads a request, asks plan() for a
// script and plays it. Each asynchronous operation has exactly one handler type, which keeps the
// composed-operation instantiations (the compile-time cost of Beast) to a minimum.
#include "tools/mock_dashscope/mock_server.hpp"

#include "tools/mock_dashscope/mock_script.hpp"
#include "tools/mock_dashscope/mock_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace qgate::mock {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, mock_state& state)
      : socket_(std::move(socket)), state_(state), timer_(socket_.get_executor()) {
    ++state_.counters().open_connections;
  }
  ~session() { --state_.counters().open_connections; }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_bytes);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_header(ec); });
  }

 private:
  // idle: no tracked response; tracked: a stream or stall is under way; done: it has ended.
  enum class phase { idle, tracked, done };

  // Headers first, so a client that waits for `100 Continue` (libcurl does, for bodies over
  // 1 MiB) gets it at once instead of after its own one-second timeout.
  void on_header(error_code ec) {
    if (ec) return close();
    if (parser_->is_done()) return on_read({});
    const std::string_view expect = parser_->get()[http::field::expect];
    if (!boost::beast::iequals(expect, "100-continue")) return read_body();
    net::async_write(socket_, net::buffer(continue_line),
                     [self = shared_from_this()](error_code write_ec, std::size_t) {
                       if (write_ec) return self->close();
                       self->read_body();
                     });
  }

  void read_body() {
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec) return close();
    const auto& request = parser_->get();
    incoming in{request.method_string(),
                request.target(),
                request[http::field::authorization],
                request["X-DashScope-SSE"],
                request[http::field::accept],
                request["X-Mock-Fault"],
                request.body(),
                request.keep_alive(),
                {}};
    std::string headers;
    if (reflects(in.fault_name, in.body)) {
      for (const auto& field : request) {
        headers += field.name_string();
        headers += ": ";
        headers += field.value();
        headers += '\n';
      }
      in.request_headers = headers;
    }
    if (!is_control_target(in.target) && state_.recording()) record(request);
    play(plan(in, state_));
  }

  void record(const http::request<http::string_body>& request) {
    recorded_request r;
    r.method = request.method_string();
    r.target = request.target();
    for (const auto& field : request) r.headers.emplace_back(field.name_string(), field.value());
    r.body = request.body();
    state_.record(std::move(r));
  }

  void play(script s) {
    script_ = std::move(s);
    step_ = 0;
    if (script_.tracked) {
      phase_ = phase::tracked;
      ++state_.counters().active_streams;
      watch_peer();
    }
    next_step();
  }

  void next_step() {
    if (phase_ == phase::done) return;
    if (step_ == script_.steps.size()) return finish();
    const int delay_ms = script_.steps[step_].delay_ms;
    if (delay_ms <= 0) return write_step();
    timer_.expires_after(std::chrono::milliseconds(delay_ms));
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->write_step();
    });
  }

  void write_step() {
    net::async_write(socket_, net::buffer(script_.steps[step_].bytes),
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (ec) return self->peer_gone();
                       ++self->step_;
                       self->next_step();
                     });
  }

  void finish() {
    switch (script_.end) {
      case ending::keep_alive:
        return read();
      case ending::close:
        end_tracked(true);
        return close();
      case ending::drop:
        end_tracked(false);
        return close();
      case ending::reset:
        end_tracked(false);
        return reset();
      case ending::stall:
        return;  // the pending watch_peer() read ends it when the client goes away
    }
  }

  void end_tracked(bool completed) {
    if (phase_ != phase::tracked) return;
    phase_ = phase::done;
    --state_.counters().active_streams;
    if (completed) ++state_.counters().streams_completed;
  }

  // A pending read notices at once when the client goes away mid-stream or mid-stall, even when
  // nothing is being written; bytes the client sends meanwhile are discarded.
  void watch_peer() {
    socket_.async_read_some(net::buffer(peek_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (!ec) return self->watch_peer();
                              if (ec != net::error::operation_aborted) self->peer_gone();
                            });
  }

  void peer_gone() {
    if (phase_ == phase::tracked) {
      auto& counters = state_.counters();
      counters.last_abort_monotonic_ns = monotonic_ns();
      ++counters.streams_aborted_by_peer;
      --counters.active_streams;
      phase_ = phase::done;
    }
    close();
  }

  // A reset instead of an orderly close: no FIN, the peer's next read fails.
  void reset() {
    timer_.cancel();
    error_code ignored;
    socket_.set_option(net::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

  void close() {
    timer_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  mock_state& state_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  script script_;
  std::size_t step_ = 0;
  phase phase_ = phase::idle;
  std::array<char, 256> peek_{};
};

void accept_next(net::io_context& io, mock_state& state, tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(io),
                        [&io, &state, &acceptor](error_code ec, tcp::socket socket) {
                          if (!acceptor.is_open()) return;
                          if (!ec) {
                            socket.set_option(tcp::no_delay(true), ec);
                            std::make_shared<session>(std::move(socket), state)->read();
                          }
                          accept_next(io, state, acceptor);
                        });
}

// Binds and starts accepting; the bound port, or 0 on failure.
std::uint16_t start_server(net::io_context& io, mock_state& state, tcp::acceptor& acceptor) {
  error_code ec;
  const auto address = net::ip::make_address(state.settings().host, ec);
  if (ec) return 0;
  const tcp::endpoint endpoint(address, state.settings().port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return 0;
  accept_next(io, state, acceptor);
  return acceptor.local_endpoint().port();
}

}  // namespace

int run_mock(const options& o) {
  // The state outlives the io_context: sessions destroyed with the context still touch it.
  mock_state state(o);
  net::io_context io(o.threads);
  tcp::acceptor acceptor(io);
  const auto port = start_server(io, state, acceptor);
  if (port == 0) {
    std::fprintf(stderr, "mock_dashscope: cannot listen on %s:%u\n", o.host.c_str(),
                 static_cast<unsigned>(o.port));
    return 1;
  }
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const error_code&, int) { io.stop(); });
  std::printf("mock_dashscope listening on %s:%u\n", o.host.c_str(), static_cast<unsigned>(port));
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (int i = 1; i < o.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : threads) thread.join();
  return 0;
}

}  // namespace qgate::mock
