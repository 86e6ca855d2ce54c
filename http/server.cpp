#include "http/server.hpp"

#include "http/connection.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <thread>
#include <vector>

namespace qgate::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct server::impl {
  impl(server_options options, gateway& backend)
      : io(options.io_threads),
        shared(std::make_shared<server_shared>(std::move(options), backend)),
        acceptor(net::make_strand(io)) {}

  void accept() {
    acceptor.async_accept(net::make_strand(io),
                          [this](boost::system::error_code ec, tcp::socket socket) {
                            if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
                            if (!ec) {
                              socket.set_option(tcp::no_delay(true), ec);
                              start_connection(std::move(socket), shared);
                            } else {
                              // EMFILE and friends: log and keep accepting rather than die.
                              spdlog::warn("accept failed: {}", ec.message());
                            }
                            accept();
                          });
  }

  net::io_context io;
  std::shared_ptr<server_shared> shared;
  tcp::acceptor acceptor;
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
      !acceptor.listen(net::socket_base::max_listen_connections, ec)) {
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
