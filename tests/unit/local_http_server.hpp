// A scriptable HTTP/1.1 upstream on 127.0.0.1:0 for the curl driver's tests, served from the
// test's own io_context. The request target picks the behaviour:
//   /unary      200, Retry-After: 7, body "echo:" + the request body
//   /throttled  429, Retry-After: 7
//   /stream     chunked, stream_chunks chunks "event <i>\n", one write each, stream_gap apart
//   /hold       chunked head and "first\n", then nothing until release_held()
//   /silent     reads the request and never answers
//   /big        big_body_bytes of body in one write (it blocks while the client does not read)
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::testing {

class local_http_server {
 public:
  static constexpr int stream_chunks = 20;
  static constexpr std::chrono::milliseconds stream_gap{2};
  static constexpr std::size_t big_body_bytes = 4 << 20;

  struct counters {
    std::size_t requests = 0;
    std::size_t closed_by_client = 0;  // connections whose peer closed (read end of file/error)
  };

 private:
  class session;
  // Shared with the sessions, which may outlive the server inside the io_context's queue.
  struct shared {
    counters stats;
    std::vector<std::weak_ptr<session>> held;
  };

 public:
  explicit local_http_server(boost::asio::io_context& io)
      : acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept();
  }
  ~local_http_server() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  const counters& stats() const { return shared_->stats; }

  // Ends every /hold response so far: one more chunk "rest\n", then the last chunk.
  void release_held() {
    for (auto& held : shared_->held) {
      if (auto live = held.lock()) live->write("5\r\nrest\n\r\n0\r\n\r\n", false);
    }
    shared_->held.clear();
  }

 private:
  class session : public std::enable_shared_from_this<session> {
   public:
    session(boost::asio::ip::tcp::socket socket, std::shared_ptr<shared> state)
        : socket_(std::move(socket)), shared_(std::move(state)) {
      socket_.set_option(boost::asio::ip::tcp::no_delay(true));
    }

    void read_head() {
      boost::asio::async_read_until(
          socket_, boost::asio::dynamic_buffer(input_), "\r\n\r\n",
          [self = shared_from_this()](boost::system::error_code error, std::size_t head_bytes) {
            if (error) return self->closed();
            self->read_body(head_bytes);
          });
    }

    void write(std::string bytes, bool then_read) {
      auto data = std::make_shared<std::string>(std::move(bytes));
      boost::asio::async_write(socket_, boost::asio::buffer(*data),
                               [self = shared_from_this(), data, then_read](
                                   boost::system::error_code error, std::size_t) {
                                 if (error) return self->closed();
                                 if (then_read) self->read_head();
                               });
    }

   private:
    void read_body(std::size_t head_bytes) {
      const std::string head = input_.substr(0, head_bytes);
      input_.erase(0, head_bytes);
      std::size_t length = 0;
      constexpr std::string_view length_header = "Content-Length: ";
      if (auto at = head.find(length_header); at != std::string::npos) {
        length = std::stoul(head.substr(at + length_header.size()));
      }
      const std::string target =
          head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
      const std::size_t missing = length > input_.size() ? length - input_.size() : 0;
      boost::asio::async_read(socket_, boost::asio::dynamic_buffer(input_),
                              boost::asio::transfer_exactly(missing),
                              [self = shared_from_this(), target, length](
                                  boost::system::error_code error, std::size_t) {
                                if (error) return self->closed();
                                std::string body = self->input_.substr(0, length);
                                self->input_.erase(0, length);
                                ++self->shared_->stats.requests;
                                self->answer(target, body);
                              });
    }

    void answer(const std::string& target, const std::string& body) {
      if (target == "/unary") {
        const std::string answer = "echo:" + body;
        write("HTTP/1.1 200 OK\r\nRetry-After: 7\r\nContent-Length: " +
                  std::to_string(answer.size()) + "\r\n\r\n" + answer,
              true);
      } else if (target == "/throttled") {
        write("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nslow",
              true);
      } else if (target == "/stream") {
        stream_from(0, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      } else if (target == "/hold") {
        write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n", false);
        shared_->held.push_back(weak_from_this());
        watch_for_close();
      } else if (target == "/big") {
        write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(big_body_bytes) + "\r\n\r\n" +
                  std::string(big_body_bytes, 'x'),
              true);
      } else {  // /silent
        watch_for_close();
      }
    }

    // One chunk per write, stream_gap apart: each needs a fresh readiness event at the client.
    void stream_from(int i, std::string prefix) {
      if (i == stream_chunks) return write("0\r\n\r\n", true);
      const std::string event = "event " + std::to_string(i) + "\n";
      auto data = std::make_shared<std::string>(std::move(prefix) + hex(event.size()) + "\r\n" +
                                                event + "\r\n");
      boost::asio::async_write(
          socket_, boost::asio::buffer(*data),
          [self = shared_from_this(), data, i](boost::system::error_code error, std::size_t) {
            if (error) return self->closed();
            self->pace_.expires_after(stream_gap);
            self->pace_.async_wait(
                [self, i](boost::system::error_code) { self->stream_from(i + 1, {}); });
          });
    }

    void watch_for_close() {
      auto scratch = std::make_shared<std::array<char, 512>>();
      socket_.async_read_some(
          boost::asio::buffer(*scratch),
          [self = shared_from_this(), scratch](boost::system::error_code error, std::size_t) {
            if (error) return self->closed();
            self->watch_for_close();
          });
    }

    void closed() {
      if (closed_) return;
      closed_ = true;
      ++shared_->stats.closed_by_client;
    }

    static std::string hex(std::size_t n) {
      constexpr char digits[] = "0123456789abcdef";
      std::string out;
      do {
        out.insert(out.begin(), digits[n % 16]);
        n /= 16;
      } while (n != 0);
      return out;
    }

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer pace_{socket_.get_executor()};
    std::shared_ptr<shared> shared_;
    std::string input_;
    bool closed_ = false;
  };

  void accept() {
    acceptor_.async_accept(
        [this](boost::system::error_code error, boost::asio::ip::tcp::socket socket) {
          if (error) return;
          std::make_shared<session>(std::move(socket), shared_)->read_head();
          accept();
        });
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<shared> shared_ = std::make_shared<shared>();
};

}  // namespace qgate::testing
