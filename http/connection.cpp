// One client connection: HTTP/1.1 keep-alive, routing, JSON replies and SSE streams. All state is
// touched on the connection's strand; actors reach it only through connection_sink, which posts.
#include "http/connection.hpp"

#include "http/chat_request_parser.hpp"
#include "http/cors_policy.hpp"
#include "http/error_mapping.hpp"
#include "http/json_render.hpp"
#include "http/query.hpp"
#include "http/request_id.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>

namespace qgate::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using clock = std::chrono::steady_clock;

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::size_t peer_read_chunk = 4096;
// Status logged for a request whose client went away before the answer (nginx's convention).
constexpr unsigned client_closed_status = 499;

// The caller's key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
std::string presented_key(const bhttp::request<bhttp::string_body>& request) {
  const std::string_view authorization = request[bhttp::field::authorization];
  constexpr std::string_view bearer = "bearer ";
  if (authorization.size() > bearer.size() &&
      beast::iequals(authorization.substr(0, bearer.size()), bearer)) {
    return std::string(authorization.substr(bearer.size()));
  }
  return std::string(request["X-API-Key"]);
}

bool is_http_parse_error(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

class connection_sink;

struct reply_headers {
  std::string_view content_type = json_type;
  std::string_view allow;
  std::string_view location;
  std::string_view cache_control;
};

class connection final : public connection_control,
                         public std::enable_shared_from_this<connection> {
 public:
  connection(net::ip::tcp::socket socket, std::shared_ptr<server_shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)), ping_timer_(stream_.get_executor()) {}

  void start();
  void close_when_idle() override;
  void close_now() override;
  net::any_io_executor executor() { return stream_.get_executor(); }

  void deliver_body(std::uint64_t generation, std::string body);
  void deliver_rate_limit(std::uint64_t generation, const rate_limit_info& info);
  void deliver_frames(std::uint64_t generation, std::string frames, bool last);
  void deliver_error(std::uint64_t generation, error err);

 private:
  const server_options& options() const { return shared_->options; }
  bool stale(std::uint64_t generation) const { return closed_ || generation != generation_; }

  void do_read();
  void on_header(beast::error_code ec, std::size_t);
  void on_continue_sent(beast::error_code ec, std::size_t);
  void read_body();
  void on_read(beast::error_code ec, std::size_t);
  void handle_request();
  void route(bhttp::request<bhttp::string_body>& request, std::string_view path);
  void start_chat(bhttp::request<bhttp::string_body>& request);
  std::shared_ptr<connection_sink> make_sink();

  void reply(unsigned status, std::string body, const reply_headers& headers = {});
  void reply_error(const error& err, std::string_view allow = {});
  void reply_preflight();
  bool reply_static(std::string_view path, bhttp::verb method);
  template <class Fields>
  void add_cors(Fields& fields) const;
  template <class Fields>
  void add_rate_limit(Fields& fields) const;
  void start_usage(bhttp::request<bhttp::string_body>& request, std::string_view target);
  void on_reply_written(beast::error_code ec, std::size_t);

  void watch_peer();
  void on_peer(beast::error_code ec, std::size_t bytes);

  bool stream_head_serialized() const;
  void start_stream();
  void on_stream_head_written(beast::error_code ec, std::size_t);
  void flush_frames();
  void on_frames_written(beast::error_code ec, std::size_t);
  void on_stream_end_written(beast::error_code ec, std::size_t);
  void arm_ping();

  void finish_request(unsigned status, bool keep_alive);
  void abort_request();
  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<server_shared> shared_;
  std::uint64_t registry_id_ = 0;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  bhttp::response<bhttp::empty_body> stream_head_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> head_serializer_;
  net::steady_timer ping_timer_;

  // The request in flight.
  std::uint64_t generation_ = 0;
  bool busy_ = false;
  bool closed_ = false;
  bool close_after_ = false;
  bool keep_alive_ = true;
  bool peer_watched_ = false;
  bool read_after_watch_ = false;
  unsigned version_ = 11;
  std::string method_;
  std::string target_;
  std::string request_id_;
  std::optional<std::string> cors_origin_;
  rate_limit_info rate_limit_;
  clock::time_point started_;
  std::shared_ptr<connection_sink> sink_;
  std::unique_ptr<chat_call> call_;

  // The SSE stream of the request in flight.
  bool stream_finished_ = false;
  bool writing_ = false;
  std::string pending_frames_;
  std::string frames_in_write_;
  clock::time_point last_write_;
};

// Thread-safe: actors call it from their threads; everything is posted onto the strand.
class connection_sink final : public response_sink {
 public:
  connection_sink(std::shared_ptr<connection> owner, std::uint64_t generation, std::size_t high_water)
      : owner_(std::move(owner)), generation_(generation), high_water_(high_water) {}

  void set_rate_limit(rate_limit_info info) override {
    net::post(owner_->executor(), [owner = owner_, generation = generation_, info] {
      owner->deliver_rate_limit(generation, info);
    });
  }
  void send_models(model_list models) override { post_body(models_body(*models)); }
  void send_usage(std::vector<usage_total> totals) override { post_body(usage_body(totals)); }
  void send_completion(chat_completion completion) override { post_body(completion_body(completion)); }
  void send_delta(chat_delta delta) override {
    std::string frame;
    append_delta_frame(frame, delta);
    const bool last = delta.finish.has_value();
    if (last) frame += sse_done_frame;
    queued_ += frame.size();
    net::post(owner_->executor(), [owner = owner_, generation = generation_,
                                   frame = std::move(frame), last]() mutable {
      owner->deliver_frames(generation, std::move(frame), last);
    });
  }
  void send_error(error err) override {
    net::post(owner_->executor(), [owner = owner_, generation = generation_, err = std::move(err)]() mutable {
      owner->deliver_error(generation, std::move(err));
    });
  }
  std::size_t queued_bytes() const noexcept override { return queued_.load(); }
  void on_drained(std::function<void()> callback) override {
    std::unique_lock lock(drained_mutex_);
    if (queued_.load() > high_water_ / 2) {
      drained_ = std::move(callback);
      return;
    }
    lock.unlock();
    callback();
  }

  // On the strand, after `bytes` of frames reached the socket.
  void written(std::size_t bytes) {
    queued_ -= std::min(bytes, queued_.load());
    if (queued_.load() > high_water_ / 2) return;
    std::function<void()> callback;
    {
      std::lock_guard lock(drained_mutex_);
      callback.swap(drained_);
    }
    if (callback) callback();
  }

 private:
  void post_body(std::string body) {
    net::post(owner_->executor(), [owner = owner_, generation = generation_, body = std::move(body)]() mutable {
      owner->deliver_body(generation, std::move(body));
    });
  }

  std::shared_ptr<connection> owner_;
  std::uint64_t generation_;
  std::size_t high_water_;
  std::atomic<std::size_t> queued_{0};
  std::mutex drained_mutex_;
  std::function<void()> drained_;
};

void connection::start() {
  registry_id_ = shared_->add(weak_from_this());
  do_read();
}

void connection::close_when_idle() {
  net::post(executor(), [self = shared_from_this()] {
    if (self->busy_) {
      self->close_after_ = true;
    } else {
      self->close();
    }
  });
}

void connection::close_now() {
  net::post(executor(), [self = shared_from_this()] {
    if (self->busy_) return self->abort_request();
    self->close();
  });
}

void connection::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
  parser_->body_limit(options().max_body_bytes);
  stream_.expires_after(generation_ == 0 ? options().header_timeout : options().keepalive_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&connection::on_header, shared_from_this()));
}

// Clients such as curl ask before sending a large body; answering at once saves them a 1 s wait.
void connection::on_header(beast::error_code ec, std::size_t bytes) {
  if (closed_) return;
  if (ec) return on_read(ec, bytes);
  stream_.expires_after(options().header_timeout);
  const auto& request = parser_->get();
  if (!parser_->is_done() && beast::iequals(request[bhttp::field::expect], "100-continue")) {
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(stream_, net::buffer(continue_line.data(), continue_line.size()),
                     beast::bind_front_handler(&connection::on_continue_sent, shared_from_this()));
    return;
  }
  read_body();
}

void connection::on_continue_sent(beast::error_code ec, std::size_t) {
  if (closed_) return;
  if (ec) return close();
  read_body();
}

void connection::read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
  if (closed_) return;
  if (!ec) {
    handle_request();
    return;
  }
  keep_alive_ = false;
  version_ = 11;
  if (ec == bhttp::error::header_limit) {
    busy_ = true;
    reply_error(make_error(errc::headers_too_large));
  } else if (ec == bhttp::error::body_limit) {
    busy_ = true;
    reply_error(make_error(errc::payload_too_large));
  } else if (is_http_parse_error(ec) && ec != bhttp::error::end_of_stream &&
             ec != bhttp::error::partial_message) {
    busy_ = true;
    reply_error(make_error(errc::bad_request));
  } else {
    close();
  }
}

void connection::handle_request() {
  auto& request = parser_->get();
  busy_ = true;
  ++generation_;
  started_ = clock::now();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  method_ = std::string(request.method_string());
  target_ = std::string(request.target());
  request_id_ = pick_request_id(request["X-Request-Id"]);
  cors_origin_ = options().cors.allow(request[bhttp::field::origin]);
  const std::string_view target = request.target();
  route(request, target.substr(0, target.find('?')));
}

void connection::route(bhttp::request<bhttp::string_body>& request, std::string_view path) {
  const auto method = request.method();
  if (method == bhttp::verb::options) return reply_preflight();
  if (path == "/api/llm/chat") {
    if (method != bhttp::verb::post) return reply_error(make_error(errc::method_not_allowed), "POST");
    return start_chat(request);
  }
  if (path == "/api/llm/models") {
    if (method != bhttp::verb::get && method != bhttp::verb::head) {
      return reply_error(make_error(errc::method_not_allowed), "GET, HEAD");
    }
    shared_->backend.list_models(presented_key(request), make_sink());
    return watch_peer();
  }
  if (path == "/api/llm/usage") {
    if (method != bhttp::verb::get) return reply_error(make_error(errc::method_not_allowed), "GET");
    return start_usage(request, request.target());
  }
  if (path == "/healthz") {
    if (method != bhttp::verb::get) return reply_error(make_error(errc::method_not_allowed), "GET");
    const auto stats = shared_->backend.stats();
    return reply(200, success_body(fmt::format(
                          R"({{"status":"ok","connections":{},"actors":{},"upstream_transfers":{}}})",
                          shared_->size(), stats.running_actors, stats.upstream_transfers)));
  }
  if (reply_static(path, method)) return;
  reply_error(make_error(errc::not_found));
}

// The docs pages and their assets, answered from memory; `/` leads to the docs.
bool connection::reply_static(std::string_view path, bhttp::verb method) {
  const auto& assets = options().assets;
  if (!assets || (method != bhttp::verb::get && method != bhttp::verb::head)) return false;
  if (path == "/") {
    reply_headers redirect;
    redirect.content_type = "text/plain";
    redirect.location = "/docs";
    reply(302, {}, redirect);
    return true;
  }
  const auto* asset = assets->find(path);
  if (asset == nullptr) return false;
  reply_headers headers;
  headers.content_type = asset->content_type;
  headers.cache_control = asset->cache_control;
  reply(200, asset->body, headers);
  return true;
}

// CORS preflight: 204, with the CORS grant only for an allowed origin.
void connection::reply_preflight() {
  reply_headers headers;
  headers.allow = cors_allowed_methods;
  reply(204, {}, headers);
}

template <class Fields>
void connection::add_rate_limit(Fields& fields) const {
  const auto& r = rate_limit_;
  if (r.limit_requests > 0) {
    fields.set("X-RateLimit-Limit-Requests", std::to_string(r.limit_requests));
    fields.set("X-RateLimit-Remaining-Requests", std::to_string(r.remaining_requests));
  }
  if (r.limit_tokens > 0) {
    fields.set("X-RateLimit-Limit-Tokens", std::to_string(r.limit_tokens));
    fields.set("X-RateLimit-Remaining-Tokens", std::to_string(r.remaining_tokens));
  }
  if (r.retry_after_s > 0) fields.set(bhttp::field::retry_after, std::to_string(r.retry_after_s));
}

template <class Fields>
void connection::add_cors(Fields& fields) const {
  if (!cors_origin_) return;
  fields.set(bhttp::field::access_control_allow_origin, *cors_origin_);
  if (*cors_origin_ != "*") fields.set(bhttp::field::vary, "Origin");
  fields.set(bhttp::field::access_control_expose_headers, cors_exposed_headers);
  if (method_ == "OPTIONS") {
    fields.set(bhttp::field::access_control_allow_methods, cors_allowed_methods);
    fields.set(bhttp::field::access_control_allow_headers, cors_allowed_headers);
    fields.set(bhttp::field::access_control_max_age, cors_max_age);
  }
}

void connection::start_chat(bhttp::request<bhttp::string_body>& request) {
  auto parsed = parse_chat_request(request.body());
  if (!parsed) return reply_error(parsed.error());
  auto chat = std::move(parsed).value();
  chat.request_id = request_id_;
  chat.api_key = presented_key(request);
  call_ = shared_->backend.start_chat(std::move(chat), make_sink());
  watch_peer();
}

void connection::start_usage(bhttp::request<bhttp::string_body>& request, std::string_view target) {
  auto range = parse_day_range(target);
  if (!range) return reply_error(range.error());
  shared_->backend.usage(presented_key(request), std::move(range.value().from), std::move(range.value().to),
                         make_sink());
  watch_peer();
}

std::shared_ptr<connection_sink> connection::make_sink() {
  sink_ = std::make_shared<connection_sink>(shared_from_this(), generation_, options().stream_queue_bytes);
  return sink_;
}

void connection::reply(unsigned status, std::string body, const reply_headers& headers) {
  response_ = {};
  response_.version(version_);
  response_.result(status);
  if (status != 204) response_.set(bhttp::field::content_type, headers.content_type);
  response_.set("X-Request-Id", request_id_);
  if (!headers.allow.empty()) response_.set(bhttp::field::allow, headers.allow);
  if (!headers.location.empty()) response_.set(bhttp::field::location, headers.location);
  if (!headers.cache_control.empty()) response_.set(bhttp::field::cache_control, headers.cache_control);
  add_cors(response_);
  add_rate_limit(response_);
  response_.keep_alive(keep_alive_ && !close_after_ && !shared_->draining);
  response_.body() = std::move(body);
  // A 204 carries neither a body nor Content-Length (RFC 9110 §8.6).
  if (status != 204) response_.prepare_payload();
  if (method_ == "HEAD") response_.body().clear();
  stream_.expires_after(options().write_timeout);
  bhttp::async_write(stream_, response_,
                     beast::bind_front_handler(&connection::on_reply_written, shared_from_this()));
}

void connection::reply_error(const error& err, std::string_view allow) {
  const auto mapped = map_error(err);
  if (mapped.status >= 500 || err.code == errc::unauthorized) {
    spdlog::warn("request {} failed: {} {}", request_id_, mapped.symbol, err.detail);
  }
  reply_headers headers;
  headers.allow = allow;
  reply(mapped.status, error_body(err), headers);
}

void connection::on_reply_written(beast::error_code ec, std::size_t) {
  if (closed_) return;
  finish_request(response_.result_int(), !ec && response_.keep_alive());
}


void connection::watch_peer() {
  // While the answer is being prepared, a read tells us at once when the client goes away.
  if (peer_watched_ || closed_) return;
  peer_watched_ = true;
  stream_.expires_never();
  stream_.async_read_some(buffer_.prepare(peer_read_chunk),
                          beast::bind_front_handler(&connection::on_peer, shared_from_this()));
}

void connection::on_peer(beast::error_code ec, std::size_t bytes) {
  peer_watched_ = false;
  if (closed_) return;
  if (!ec) {
    // A pipelined next request: keep it for the parser.
    buffer_.commit(bytes);
    if (read_after_watch_) {
      read_after_watch_ = false;
      do_read();
    } else if (busy_ && buffer_.size() < options().max_header_bytes) {
      watch_peer();
    }
    return;
  }
  if (ec == net::error::operation_aborted && read_after_watch_) {
    read_after_watch_ = false;  // finish_request stopped the watch to parse a pipelined request
    return do_read();
  }
  if (ec == beast::error::timeout && busy_) return watch_peer();
  if (busy_) return abort_request();
  close();
}

void connection::deliver_rate_limit(std::uint64_t generation, const rate_limit_info& info) {
  if (stale(generation)) return;
  // An upstream 429 adds only a Retry-After to the limits admission reported.
  if (info.limit_requests > 0 || info.limit_tokens > 0) rate_limit_ = info;
  if (info.retry_after_s > 0) rate_limit_.retry_after_s = info.retry_after_s;
}

void connection::deliver_body(std::uint64_t generation, std::string body) {
  if (stale(generation)) return;
  reply(200, std::move(body));
}

void connection::deliver_error(std::uint64_t generation, error err) {
  if (stale(generation)) return;
  if (!stream_head_serialized()) return reply_error(err);
  // The stream has begun: the failure becomes its last frame.
  const auto mapped = map_error(err);
  spdlog::warn("stream {} failed: {} {}", request_id_, mapped.symbol, err.detail);
  pending_frames_ += error_frame(err);
  pending_frames_ += sse_done_frame;
  stream_finished_ = true;
  flush_frames();
}

void connection::deliver_frames(std::uint64_t generation, std::string frames, bool last) {
  if (stale(generation)) return;
  pending_frames_ += frames;
  stream_finished_ = stream_finished_ || last;
  if (!head_serializer_) return start_stream();
  flush_frames();
}

bool connection::stream_head_serialized() const { return head_serializer_.has_value(); }

void connection::start_stream() {
  stream_head_ = {};
  stream_head_.version(version_);
  stream_head_.result(bhttp::status::ok);
  stream_head_.set(bhttp::field::content_type, "text/event-stream; charset=utf-8");
  stream_head_.set(bhttp::field::cache_control, "no-cache");
  stream_head_.set("X-Accel-Buffering", "no");
  stream_head_.set("X-Request-Id", request_id_);
  add_cors(stream_head_);
  add_rate_limit(stream_head_);
  // HTTP/1.0 has no chunked encoding: such a stream ends by closing.
  if (version_ >= 11) {
    stream_head_.chunked(true);
  } else {
    keep_alive_ = false;
  }
  stream_head_.keep_alive(keep_alive_ && !close_after_ && !shared_->draining);
  keep_alive_ = stream_head_.keep_alive();
  head_serializer_.emplace(stream_head_);
  writing_ = true;
  stream_.expires_after(options().write_timeout);
  bhttp::async_write_header(stream_, *head_serializer_,
                            beast::bind_front_handler(&connection::on_stream_head_written,
                                                      shared_from_this()));
}

void connection::on_stream_head_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed_) return;
  if (ec) return abort_request();
  arm_ping();
  flush_frames();
}

void connection::flush_frames() {
  if (writing_ || closed_) return;
  if (pending_frames_.empty()) {
    if (!stream_finished_) return;
    if (version_ < 11) return finish_request(200, false);
    writing_ = true;
    stream_.expires_after(options().write_timeout);
    net::async_write(stream_, bhttp::make_chunk_last(),
                     beast::bind_front_handler(&connection::on_stream_end_written, shared_from_this()));
    return;
  }
  frames_in_write_.swap(pending_frames_);
  pending_frames_.clear();
  writing_ = true;
  last_write_ = clock::now();
  stream_.expires_after(options().write_timeout);
  auto handler = beast::bind_front_handler(&connection::on_frames_written, shared_from_this());
  if (version_ >= 11) {
    net::async_write(stream_, bhttp::make_chunk(net::buffer(frames_in_write_)), std::move(handler));
  } else {
    net::async_write(stream_, net::buffer(frames_in_write_), std::move(handler));
  }
}

void connection::on_frames_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed_) return;
  if (ec) return abort_request();
  if (sink_) sink_->written(frames_in_write_.size());
  frames_in_write_.clear();
  flush_frames();
}

void connection::on_stream_end_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed_) return;
  finish_request(200, !ec && keep_alive_);
}

void connection::arm_ping() {
  ping_timer_.expires_after(options().sse_ping_interval);
  ping_timer_.async_wait([self = shared_from_this(), generation = generation_](beast::error_code ec) {
    if (ec || self->stale(generation) || !self->head_serializer_ || self->stream_finished_) return;
    // `: ping` is an SSE comment: clients ignore it, proxies see a live connection.
    if (!self->writing_ && self->pending_frames_.empty() &&
        clock::now() - self->last_write_ >= self->options().sse_ping_interval) {
      self->pending_frames_ += sse_ping_frame;
      self->flush_frames();
    }
    self->arm_ping();
  });
}

void connection::finish_request(unsigned status, bool keep_alive) {
  if (options().access_log) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_).count();
    spdlog::info("access {} {} {} {}us id={}", method_, target_, status, micros, request_id_);
  }
  busy_ = false;
  rate_limit_ = {};
  sink_.reset();
  call_.reset();
  ping_timer_.cancel();
  head_serializer_.reset();
  stream_finished_ = false;
  pending_frames_.clear();
  frames_in_write_.clear();
  if (!keep_alive || close_after_ || shared_->draining) return close();
  if (peer_watched_) {
    read_after_watch_ = true;
    stream_.expires_after(options().keepalive_timeout);
    // A pipelined request is already buffered: stop the watch so the parser can start now.
    if (buffer_.size() > 0) {
      beast::error_code ignored;
      stream_.socket().cancel(ignored);
    }
    return;
  }
  do_read();
}

void connection::abort_request() {
  ++generation_;  // whatever the actors still post for this request is dropped
  if (call_) call_->cancel();
  finish_request(client_closed_status, false);
}

void connection::close() {
  if (closed_) return;
  closed_ = true;
  ++generation_;
  call_.reset();
  sink_.reset();
  ping_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  shared_->remove(registry_id_);
}

}  // namespace

std::uint64_t server_shared::add(std::weak_ptr<connection_control> connection) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  connections_.emplace(id, std::move(connection));
  return id;
}

void server_shared::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
}

std::vector<std::shared_ptr<connection_control>> server_shared::open_connections() const {
  std::vector<std::shared_ptr<connection_control>> open;
  std::lock_guard lock(mutex_);
  for (const auto& [id, weak] : connections_) {
    if (auto connection = weak.lock()) open.push_back(std::move(connection));
  }
  return open;
}

void server_shared::close_all_when_idle() {
  for (auto& connection : open_connections()) connection->close_when_idle();
}

void server_shared::close_all_now() {
  for (auto& connection : open_connections()) connection->close_now();
}

std::size_t server_shared::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

void start_connection(net::ip::tcp::socket socket, std::shared_ptr<server_shared> shared) {
  std::make_shared<connection>(std::move(socket), std::move(shared))->start();
}

}  // namespace qgate::http
