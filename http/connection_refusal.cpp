#include "http/connection_refusal.hpp"

#include "http/error_mapping.hpp"
#include "http/request_id.hpp"

#include <fmt/format.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <memory>

namespace qgate::http {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Owns a refused socket until the client has finished sending or `linger` passed.
class lingering_refusal : public std::enable_shared_from_this<lingering_refusal> {
 public:
  explicit lingering_refusal(tcp::socket socket)
      : stream_(std::move(socket)), response_(refusal_response()) {}

  void start(std::chrono::milliseconds linger) {
    stream_.expires_after(linger);
    net::async_write(stream_, net::buffer(response_),
                     beast::bind_front_handler(&lingering_refusal::on_written, shared_from_this()));
  }

 private:
  void on_written(beast::error_code ec, std::size_t) {
    if (ec) return close();
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();  // end of stream, reset or linger over
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  std::string response_;
  std::array<char, 1024> discard_{};
};

}  // namespace

std::string refusal_response() {
  const auto body = error_body(make_error(errc::overloaded));
  return fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
      "X-Request-Id: {}\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
      pick_request_id({}), body.size(), body);
}

void refuse_connection(tcp::socket socket, std::chrono::milliseconds linger) {
  std::make_shared<lingering_refusal>(std::move(socket))->start(linger);
}

void refuse_connection_now(tcp::socket& socket) {
  beast::error_code ec;
  socket.non_blocking(true, ec);
  const auto response = refusal_response();
  // A fresh socket's send buffer is empty: the few hundred bytes fit, or the client gets a close.
  socket.send(net::buffer(response), 0, ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  // Whatever of the request already arrived is dropped, so the close is a FIN and not a reset.
  std::array<char, 1024> discard{};
  for (int reads = 0; reads < 16 && !ec; ++reads) socket.receive(net::buffer(discard), 0, ec);
  socket.close(ec);
}

}  // namespace qgate::http
