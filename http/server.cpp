#include "http/server.hpp"

#include "http/connection.hpp"
#include "http/connection_refusal.hpp"
#include "http/log_throttle.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <thread>
#include <vector>

namespace qgate::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// One descriptor held back for the moment the process runs out: giving it up lets the listener
// take a waiting connection and refuse it cleanly instead of leaving it hanging in the backlog
// (the remedy of libev and nginx).
class reserve_descriptor {
 public:
  reserve_descriptor() { reopen(); }
  ~reserve_descriptor() { release(); }
  reserve_descriptor(const reserve_descriptor&) = delete;
  reserve_descriptor& operator=(const reserve_descriptor&) = delete;

  bool reopen() {
    if (fd_ < 0) fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fd_ >= 0;
  }
  bool release() {
    if (fd_ < 0) return false;
    ::close(fd_);
    fd_ = -1;
    return true;
  }

 private:
  int fd_ = -1;
};

bool is_system_error(const boost::system::error_code& ec, std::initializer_list<int> values) {
  if (ec.category() != boost::system::system_category()) return false;
  return std::find(values.begin(), values.end(), ec.value()) != values.end();
}

std::string describe(const log_throttle::report& report) {
  std::string text = std::to_string(report.count) + " refused";
  if (report.window == log_throttle::clock::duration::zero()) return text;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(report.window).count();
  return text + " in the last " + std::to_string(ms) + " ms";
}

}  // namespace

struct server::impl {
  impl(server_options options, gateway& backend)
      : io(options.io_threads),
        shared(std::make_shared<server_shared>(std::move(options), backend)),
        acceptor(net::make_strand(io)),
        backoff(acceptor.get_executor()) {}

  void accept() {
    acceptor.async_accept(
        net::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
          if (ec) return on_accept_error(ec);
          log_due(exhausted_log.flush(clock::now()), "accepting again after running out");
          socket.set_option(tcp::no_delay(true), ec);
          const auto limit = shared->options.max_connections;
          if (limit > 0 && shared->size() >= limit) {
            refuse_connection(std::move(socket), shared->options.refusal_linger);
            log_due(over_limit_log.note(clock::now()),
                    fmt::format("over server.max_connections={}", limit));
          } else {
            start_connection(std::move(socket), shared);
          }
          accept();
        });
  }

  // Re-arming at once after EMFILE would spin a core on a listener that stays readable; instead
  // refuse what waits, then retry after a short pause (descriptors may be free again by then).
  void on_accept_error(const boost::system::error_code& ec) {
    if (ec == net::error::connection_aborted) return accept();  // that client gave up; next one
    std::uint64_t refused = 0;
    if (is_system_error(ec, {EMFILE, ENFILE})) refused = refuse_waiting();
    log_due(exhausted_log.note(clock::now(), refused), ec.message());
    backoff.expires_after(shared->options.accept_backoff);
    backoff.async_wait([this](boost::system::error_code wait_ec) {
      if (wait_ec || !acceptor.is_open()) return;
      reserve.reopen();
      accept();
    });
  }

  // Gives up the reserve descriptor for one waiting connection at a time, refuses it, takes the
  // reserve back; stops when none waits, the reserve is gone, or after a bounded number.
  std::uint64_t refuse_waiting() {
    constexpr std::uint64_t max_refusals_per_round = 256;
    std::uint64_t refused = 0;
    while (refused < max_refusals_per_round && reserve.release()) {
      boost::system::error_code ec;
      auto socket = acceptor.accept(ec);  // the acceptor is non-blocking: would_block when empty
      if (ec) break;
      refuse_connection_now(socket);
      ++refused;
      if (!reserve.reopen()) break;
    }
    reserve.reopen();
    return refused;
  }

  static void log_due(const std::optional<log_throttle::report>& report, std::string_view what) {
    if (report) spdlog::warn("accept: {} ({})", what, describe(*report));
  }

  using clock = log_throttle::clock;
  net::io_context io;
  std::shared_ptr<server_shared> shared;
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  reserve_descriptor reserve;
  log_throttle exhausted_log{std::chrono::seconds(1)};
  log_throttle over_limit_log{std::chrono::seconds(1)};
  std::vector<std::thread> threads;
};

server::server(server_options options, gateway& backend)
    : impl_(std::make_unique<impl>(std::move(options), backend)) {}

server::~server() { stop(); }

result<std::uint16_t> server::listen() {
  boost::system::error_code ec;
  const auto& options = impl_->shared->options;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return make_error(errc::internal_error, "invalid listen address " + options.host);
  const tcp::endpoint endpoint(address, options.port);
  auto& acceptor = impl_->acceptor;
  if (!acceptor.open(endpoint.protocol(), ec) &&
      !acceptor.set_option(net::socket_base::reuse_address(true), ec) &&
      !acceptor.bind(endpoint, ec) &&
      !acceptor.listen(net::socket_base::max_listen_connections, ec) &&
      !acceptor.non_blocking(true, ec)) {
    return acceptor.local_endpoint().port();
  }
  return make_error(errc::internal_error, "cannot listen on " + options.host + ":" +
                                              std::to_string(options.port) + ": " + ec.message());
}

void server::start() {
  impl_->accept();
  const int threads = std::max(1, impl_->shared->options.io_threads);
  for (int i = 0; i < threads; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

void server::drain() {
  impl_->shared->draining = true;
  net::post(impl_->acceptor.get_executor(), [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->shared->close_all_when_idle();
}

void server::close_all() { impl_->shared->close_all_now(); }

std::size_t server::open_connections() const noexcept { return impl_->shared->size(); }

void server::stop() {
  impl_->io.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace qgate::http
