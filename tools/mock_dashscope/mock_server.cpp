// Responses are written as raw bytes on purpose: faults (a cut body, a missing chunk terminator,
// a stall after half an event stream) need byte-level control a response serializer hides.
#include "tools/mock_dashscope/mock_server.hpp"

#include "tools/mock_dashscope/mock_answer.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <random>

namespace qgate::mock {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

constexpr std::string_view generation_path = "/api/v1/services/aigc/text-generation/generation";
constexpr std::size_t max_body_bytes = 16 << 20;

std::string new_request_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const auto a = generator();
  const auto b = generator();
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFF);
}

std::string chunk(std::string_view data) { return fmt::format("{:x}\r\n{}\r\n", data.size(), data); }

std::int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, mock_state& state)
      : socket_(std::move(socket)), state_(state), timer_(socket_.get_executor()) {
    ++state_.open_connections;
  }
  ~session() { --state_.open_connections; }

  void start() { read(); }

 private:
  enum class phase { idle, active, stalled, done };

  void read();
  void handle(bhttp::request<bhttp::string_body>& request);
  void generate(bhttp::request<bhttp::string_body>& request);
  void reply(int status, const std::string& body, bool keep_alive,
             std::string_view type = "application/json");
  void write_then(std::string bytes, std::function<void()> next);
  void after_first_byte_delay(std::function<void()> next);

  void start_unary();
  void start_stream();
  void stream_step();
  void finish_stream(std::string tail);
  void stall();
  void watch_peer();
  void close();

  std::size_t fault_point() const { return std::max<std::size_t>(1, answer_.pieces.size() / 2); }

  tcp::socket socket_;
  mock_state& state_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string out_;
  char peek_[512];

  std::string request_id_;
  generation generation_;
  answer answer_;
  fault fault_ = fault::none;
  int interval_ms_ = 0;
  int first_byte_ms_ = 0;
  std::size_t sent_ = 0;
  std::size_t next_id_ = 1;
  phase phase_ = phase::idle;
  bool watching_ = false;
};

void session::read() {
  parser_.emplace();
  parser_->body_limit(max_body_bytes);
  bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
    if (ec) return self->close();
    auto request = self->parser_->release();
    self->handle(request);
  });
}

void session::handle(bhttp::request<bhttp::string_body>& request) {
  ++state_.requests;
  const std::string_view target = request.target();
  const bool keep_alive = request.keep_alive();
  if (target == "/mock/stats") return reply(200, state_.stats_json(), keep_alive);
  if (target == "/mock/requests") {
    if (request.method() == bhttp::verb::delete_) {
      state_.clear_records();
      return reply(200, R"({"cleared":true})", keep_alive);
    }
    return reply(200, state_.records_json(), keep_alive);
  }
  request_id_ = new_request_id();
  if (target != generation_path) {
    return reply(404, error_json({404, "NotFound", "url error, please check url！"}, request_id_), keep_alive);
  }
  recorded_request record{0, std::string(request.method_string()), std::string(target), {}, request.body()};
  for (const auto& field : request) {
    record.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  state_.record(std::move(record));
  if (request.method() != bhttp::verb::post) {
    return reply(405, error_json({405, "MethodNotAllowed", "Request method 'GET' is not supported."}, request_id_),
                 keep_alive);
  }
  generate(request);
}

void session::generate(bhttp::request<bhttp::string_body>& request) {
  const bool keep_alive = request.keep_alive();
  if (request[bhttp::field::authorization] != "Bearer " + state_.settings().api_key) {
    return reply(401, error_json(error_of(fault::auth), request_id_), keep_alive);
  }
  const bool stream = request["X-DashScope-SSE"] == "enable" ||
                      request[bhttp::field::accept].find("text/event-stream") != std::string_view::npos;
  auto parsed = parse_generation(request.body());
  if (parsed.failure) {
    if (!stream) return reply(parsed.failure->status, error_json(*parsed.failure, request_id_), keep_alive);
    return reply(200, error_event(1, *parsed.failure, request_id_), false, "text/event-stream;charset=UTF-8");
  }
  generation_ = std::move(*parsed.value);
  fault_ = fault_from_name(request["X-Mock-Fault"]).value_or(generation_.scripted);
  const auto& settings = state_.settings();
  interval_ms_ = generation_.interval_ms.value_or(settings.chunk_interval_ms);
  first_byte_ms_ = generation_.first_byte_ms.value_or(settings.first_byte_ms);
  answer_ = make_answer(generation_, generation_.chunks.value_or(settings.chunks));
  after_first_byte_delay([self = shared_from_this(), stream] {
    if (stream) {
      self->start_stream();
    } else {
      self->start_unary();
    }
  });
}

void session::after_first_byte_delay(std::function<void()> next) {
  if (first_byte_ms_ <= 0 || fault_ == fault::stall_first) return next();
  timer_.expires_after(std::chrono::milliseconds(first_byte_ms_));
  timer_.async_wait([next = std::move(next)](error_code ec) {
    if (!ec) next();
  });
}

void session::reply(int status, const std::string& body, bool keep_alive, std::string_view type) {
  std::string head = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nX-Request-ID: {}\r\nContent-Length: {}\r\n{}\r\n", status,
      std::string_view(bhttp::obsolete_reason(static_cast<bhttp::status>(status))), type, request_id_,
      body.size(), keep_alive ? "" : "Connection: close\r\n");
  write_then(head + body, [self = shared_from_this(), keep_alive] {
    if (keep_alive) {
      self->read();
    } else {
      self->close();
    }
  });
}

void session::write_then(std::string bytes, std::function<void()> next) {
  out_ = std::move(bytes);
  net::async_write(socket_, net::buffer(out_), [self = shared_from_this(), next = std::move(next)](error_code ec, std::size_t) {
    if (ec) {
      if (self->phase_ == session::phase::active || self->phase_ == session::phase::stalled) {
        ++self->state_.streams_aborted_by_peer;
        self->state_.last_abort_monotonic_ns = monotonic_ns();
        --self->state_.active_streams;
        self->phase_ = session::phase::done;
      }
      return self->close();
    }
    next();
  });
}


void session::start_unary() {
  const bool keep_alive = true;
  switch (fault_) {
    case fault::auth:
    case fault::throttle:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
    case fault::inspect_mid: {
      const auto e = error_of(fault_);
      return reply(e.status, error_json(e, request_id_), keep_alive);
    }
    case fault::malformed:
      return reply(200, R"({"output": {"choices": [)", keep_alive);
    case fault::stall_first:
      return stall();
    case fault::stall_mid:
    case fault::drop_mid: {
      const std::string body = unary_json(generation_, answer_, request_id_);
      std::string partial = fmt::format(
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-ID: {}\r\nContent-Length: {}\r\n\r\n{}",
          request_id_, body.size(), body.substr(0, body.size() / 2));
      const bool drop = fault_ == fault::drop_mid;
      return write_then(std::move(partial), [self = shared_from_this(), drop] {
        if (drop) return self->close();
        self->stall();
      });
    }
    case fault::none:
      break;
  }
  reply(200, unary_json(generation_, answer_, request_id_), keep_alive);
}

void session::start_stream() {
  phase_ = phase::active;
  ++state_.active_streams;
  std::string head = fmt::format(
      "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream;charset=UTF-8\r\nx-dashscope-finished: false\r\n"
      "X-Request-ID: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
      request_id_);
  switch (fault_) {
    case fault::stall_first:
      phase_ = phase::stalled;
      return stall();
    case fault::auth:
    case fault::throttle:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
      return finish_stream(head + chunk(error_event(next_id_++, error_of(fault_), request_id_)));
    case fault::malformed:
      return finish_stream(head + chunk("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{oops\n\n"));
    default:
      break;
  }
  watch_peer();
  write_then(std::move(head), [self = shared_from_this()] { self->stream_step(); });
}

// Sends the next event(s); with no interval, everything up to the end (or the fault) in one write.
void session::stream_step() {
  if (phase_ != phase::active) return;
  const bool faulty = fault_ == fault::inspect_mid || fault_ == fault::stall_mid || fault_ == fault::drop_mid;
  const std::size_t stop_at = faulty ? fault_point() : answer_.pieces.size();
  std::string bytes;
  do {
    if (sent_ == stop_at) break;
    ++sent_;
    bytes += chunk(result_event(next_id_++, result_json(generation_, answer_, sent_, false, request_id_)));
  } while (interval_ms_ <= 0);
  if (sent_ == stop_at && !(interval_ms_ > 0 && !bytes.empty())) {
    switch (fault_) {
      case fault::inspect_mid:
        return finish_stream(bytes + chunk(error_event(next_id_++, error_of(fault::inspect_mid), request_id_)));
      case fault::stall_mid:
        return write_then(std::move(bytes), [self = shared_from_this()] { self->stall(); });
      case fault::drop_mid:
        return write_then(std::move(bytes), [self = shared_from_this()] {
          self->phase_ = phase::done;
          --self->state_.active_streams;
          self->close();
        });
      default:
        return finish_stream(bytes + chunk(result_event(next_id_++, result_json(generation_, answer_, sent_, true, request_id_))));
    }
  }
  write_then(std::move(bytes), [self = shared_from_this()] {
    self->timer_.expires_after(std::chrono::milliseconds(self->interval_ms_));
    self->timer_.async_wait([self](error_code ec) {
      if (!ec) self->stream_step();
    });
  });
}

void session::finish_stream(std::string tail) {
  if (phase_ != phase::active) {
    phase_ = phase::active;
    ++state_.active_streams;
  }
  write_then(tail + "0\r\n\r\n", [self = shared_from_this()] {
    self->phase_ = phase::done;
    --self->state_.active_streams;
    ++self->state_.streams_completed;
    self->close();
  });
}

void session::stall() {
  if (phase_ == phase::idle) ++state_.active_streams;
  phase_ = phase::stalled;
  watch_peer();
}

// A pending read tells at once when the client goes away mid-stream or mid-stall.
void session::watch_peer() {
  if (watching_) return;
  watching_ = true;
  socket_.async_read_some(net::buffer(peek_), [self = shared_from_this()](error_code ec, std::size_t) {
    self->watching_ = false;
    if (!ec) return self->watch_peer();
    if (self->phase_ == phase::active || self->phase_ == phase::stalled) {
      self->state_.last_abort_monotonic_ns = monotonic_ns();
      ++self->state_.streams_aborted_by_peer;
      --self->state_.active_streams;
      self->phase_ = phase::done;
    }
    self->close();
  });
}

void session::close() {
  timer_.cancel();
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

void accept(net::io_context& io, mock_state& state, tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(io), [&io, &state, &acceptor](error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<session>(std::move(socket), state)->start();
    }
    accept(io, state, acceptor);
  });
}

}  // namespace

std::uint16_t start_server(net::io_context& io, mock_state& state, tcp::acceptor& acceptor) {
  error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address(state.settings().host, ec), state.settings().port);
  if (ec) return 0;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return 0;
  accept(io, state, acceptor);
  return acceptor.local_endpoint().port();
}

}  // namespace qgate::mock
