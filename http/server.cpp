#include "http/server.hpp"

#include "http/connection.hpp"
#include "http/connection_refusal.hpp"
#include "http/log_throttle.hpp"
#include "loop/io_pool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cerrno>
#include <optional>
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

// One acceptor on one io thread: the connections it accepts live on that thread.
struct listener {
  listener(net::io_context& io, std::shared_ptr<server_shared> s)
      : shared(std::move(s)), acceptor(io), backoff(io) {}

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) return on_accept_error(ec);
      log_due(shared->exhausted_log.flush(clock::now()), "accepting again after running out");
      socket.set_option(tcp::no_delay(true), ec);
      const auto limit = shared->options.max_connections;
      if (limit > 0 && shared->size() >= limit) {
        refuse_connection(std::move(socket), shared->options.refusal_linger);
        log_due(shared->over_limit_log.note(clock::now()),
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
    log_due(shared->exhausted_log.note(clock::now(), refused), ec.message());
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

  // Opens, binds and listens; SO_REUSEPORT lets every io thread's listener share the port, and
  // the kernel spreads new connections over them.
  boost::system::error_code open(const tcp::endpoint& endpoint, bool share_port) {
    boost::system::error_code ec;
    if (!acceptor.open(endpoint.protocol(), ec) &&
        !acceptor.set_option(net::socket_base::reuse_address(true), ec) &&
        !(share_port ? set_reuse_port(ec) : ec) && !acceptor.bind(endpoint, ec) &&
        !acceptor.listen(net::socket_base::max_listen_connections, ec) &&
        !acceptor.non_blocking(true, ec)) {
      return {};
    }
    return ec;
  }

  boost::system::error_code& set_reuse_port(boost::system::error_code& ec) {
    const int on = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) {
      ec.assign(errno, boost::system::system_category());
    }
    return ec;
  }

  using clock = log_throttle::clock;
  std::shared_ptr<server_shared> shared;
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  reserve_descriptor reserve;
};

struct server::impl {
  impl(server_options options, gateway& backend, loop::io_pool& io_pool)
      : pool(io_pool), shared(std::make_shared<server_shared>(std::move(options), backend)) {
    for (std::size_t k = 0; k < pool.size(); ++k) {
      listeners.push_back(std::make_unique<listener>(pool.context(k), shared));
    }
  }

  loop::io_pool& pool;
  std::shared_ptr<server_shared> shared;
  std::vector<std::unique_ptr<listener>> listeners;  // one per io thread
  bool stopped = false;
};

server::server(server_options options, gateway& backend, loop::io_pool& pool)
    : impl_(std::make_unique<impl>(std::move(options), backend, pool)) {}

server::~server() { stop(); }

result<std::uint16_t> server::listen() {
  boost::system::error_code ec;
  const auto& options = impl_->shared->options;
  const auto address = net::ip::make_address(options.host, ec);
  if (ec) return make_error(errc::internal_error, "invalid listen address " + options.host);
  tcp::endpoint endpoint(address, options.port);
  const bool share_port = impl_->listeners.size() > 1;
  for (auto& l : impl_->listeners) {
    ec = l->open(endpoint, share_port);
    if (ec) {
      return make_error(errc::internal_error, "cannot listen on " + options.host + ":" +
                                                  std::to_string(endpoint.port()) + ": " +
                                                  ec.message());
    }
    endpoint.port(l->acceptor.local_endpoint().port());  // port 0: the others take the same one
  }
  return endpoint.port();
}

void server::start() {
  impl_->pool.run_on_each([this](std::size_t k) { impl_->listeners[k]->accept(); });
}

void server::set_unready() noexcept { impl_->shared->unready = true; }

void server::drain() {
  impl_->shared->unready = true;
  impl_->shared->draining = true;
  for (std::size_t k = 0; k < impl_->listeners.size(); ++k) {
    auto* l = impl_->listeners[k].get();
    net::post(impl_->pool.context(k), [l] {
      boost::system::error_code ignored;
      l->acceptor.close(ignored);
      l->backoff.cancel();
    });
  }
  impl_->shared->close_all_when_idle();
}

void server::close_all() { impl_->shared->close_all_now(); }

std::size_t server::open_connections() const noexcept { return impl_->shared->size(); }

void server::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  // On each listener's own thread (inline once the loops stopped): no handler of theirs is left.
  impl_->pool.run_on_each([this](std::size_t k) {
    auto& l = *impl_->listeners[k];
    boost::system::error_code ignored;
    l.acceptor.close(ignored);
    l.backoff.cancel();
  });
}

}  // namespace qgate::http
