// One client connection: HTTP/1.1 keep-alive, routing, JSON replies and SSE streams. All state is
// touched on the connection's strand; actors reach it only through connection_sink, which posts.
#include "http/connection_impl.hpp"

#include "http/chat_request_parser.hpp"
#include "http/cors_policy.hpp"
#include "http/error_mapping.hpp"
#include "http/message_framing.hpp"
#include "http/query.hpp"
#include "http/request_id.hpp"

#include <boost/beast/core/read_size.hpp>

#include <vector>

namespace qgate::http {
namespace detail {
namespace {

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

}  // namespace

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
    if (!self->busy_) return self->close();
    if (!self->call_ || self->ending_) return self->abort_request();
    // A chat in flight gets its last words, as any failure does: an error response, or a final
    // error frame and [DONE] once its stream began. Then the connection closes.
    self->ending_ = true;
    self->close_after_ = true;
    self->call_->fail(make_error(errc::unavailable, "gateway shutting down"));
    self->end_timer_.expires_after(final_answer_wait);
    self->end_timer_.async_wait([self, generation = self->generation_](beast::error_code ec) {
      if (ec || self->stale(generation) || !self->busy_) return;
      self->abort_request();  // the answer could not be written in time (a stalled reader)
    });
  });
}

void connection::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options().max_header_bytes));
  parser_->body_limit(options().max_body_bytes);
  arm_read_deadline(generation_ == 0 ? options().header_timeout : options().keepalive_timeout);
  head_scanned_ = 0;
  read_head();
}

// Beast accepts obsolete line folding (it joins the lines); an edge refuses it (RFC 9112 §5.2), so
// the raw head is looked at before Beast parses it. Usually the first read holds it all.
void connection::read_head() {
  const std::string_view bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  switch (scan_head(bytes, head_scanned_)) {
    case head_state::folded:
      return reply_and_close(make_error(errc::bad_request));
    case head_state::complete:
      break;
    case head_state::incomplete:
      if (bytes.size() < options().max_header_bytes) {
        stream_.async_read_some(
            buffer_.prepare(beast::read_size(buffer_, head_read_chunk)),
            beast::bind_front_handler(&connection::on_head_bytes, shared_from_this()));
        return;
      }
      break;  // the parser answers 431
  }
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           beast::bind_front_handler(&connection::on_header, shared_from_this()));
}

void connection::on_head_bytes(beast::error_code ec, std::size_t bytes) {
  if (closed_) return;
  if (ec) return on_read(ec, 0);
  buffer_.commit(bytes);
  read_head();
}

// Clients such as curl ask before sending a large body; answering at once saves them a 1 s wait.
void connection::on_header(beast::error_code ec, std::size_t bytes) {
  if (closed_) return;
  if (ec) return on_read(ec, bytes);
  arm_read_deadline(options().header_timeout);
  const auto& request = parser_->get();
  std::vector<std::string_view> codings;
  const auto [first, last] = request.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) codings.push_back(field->value());
  if (!transfer_encoding_acceptable(codings, request.count(bhttp::field::content_length) > 0))
    return reply_and_close(make_error(errc::bad_request));
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
  disarm_read_deadline();
  if (!ec) {
    handle_request();
    return;
  }
  if (read_timed_out_) {
    if (request_started()) return reply_and_close(make_error(errc::request_timeout));
    return close();  // an idle connection: nothing to answer
  }
  if (ec == bhttp::error::header_limit) {
    reply_and_close(make_error(errc::headers_too_large));
  } else if (ec == bhttp::error::body_limit) {
    reply_and_close(make_error(errc::payload_too_large));
  } else if (is_http_parse_error(ec) && ec != bhttp::error::end_of_stream &&
             ec != bhttp::error::partial_message) {
    reply_and_close(make_error(errc::bad_request));
  } else {
    close();
  }
}

void connection::arm_read_deadline(std::chrono::milliseconds limit) {
  stream_.expires_never();
  read_timed_out_ = false;
  const auto deadline = ++read_deadline_;
  read_timer_.expires_after(limit);
  read_timer_.async_wait([self = shared_from_this(), deadline](beast::error_code ec) {
    if (ec || self->closed_ || deadline != self->read_deadline_) return;
    self->read_timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);  // the read ends with operation_aborted
  });
}

void connection::disarm_read_deadline() {
  ++read_deadline_;
  read_timer_.cancel();
}

// Some bytes of a request arrived: parsed already, or buffered and waiting for the rest of the
// head (blank lines between requests do not count, RFC 9112 §2.2).
bool connection::request_started() const {
  if (parser_ && parser_->got_some()) return true;
  const std::string_view bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  return bytes.find_first_not_of("\r\n") != std::string_view::npos;
}

// A request we stop reading: answered, then the connection closes, because whatever follows it
// cannot be told apart from its body. Nothing of the previous request may leak into the answer.
void connection::reply_and_close(const error& err) {
  disarm_read_deadline();
  const bool head_parsed = parser_ && parser_->is_header_done();
  started_ = clock::now();
  keep_alive_ = false;
  version_ = 11;
  busy_ = true;
  method_ = head_parsed ? std::string(parser_->get().method_string()) : "-";
  target_ = head_parsed ? std::string(parser_->get().target()) : "-";
  std::string_view given_id;
  if (head_parsed) given_id = parser_->get()["X-Request-Id"];
  request_id_ = pick_request_id(given_id);
  cors_origin_.reset();
  reply_error(err);
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
  // An absolute-form target (RFC 9112 §3.2.2) is routed on its path; its authority is ignored.
  const auto target = origin_form(request.target());
  const auto path = target.substr(0, target.find('?'));
  route(request, path.empty() ? std::string_view("/") : path);
}

void connection::route(bhttp::request<bhttp::string_body>& request, std::string_view path) {
  const auto method = request.method();
  if (method == bhttp::verb::options) return reply_preflight();
  if (path == "/api/llm/chat") {
    if (method != bhttp::verb::post)
      return reply_error(make_error(errc::method_not_allowed), "POST");
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
    return start_usage(request, origin_form(request.target()));
  }
  if (path == "/healthz") {
    if (method != bhttp::verb::get) return reply_error(make_error(errc::method_not_allowed), "GET");
    const auto stats = shared_->backend.stats();
    return reply(
        200,
        success_body(fmt::format(
            R"({{"status":"ok","connections":{},"actors":{},"upstream_transfers":{},"upstream_pauses":{},)"
            R"("ledger":{{"buffered_rows":{},"written_rows":{},"dropped_rows":{},"write_failures":{}}}}})",
            shared_->size(), stats.running_actors, stats.upstream_transfers, stats.upstream_pauses,
            stats.ledger_buffered_rows, stats.ledger_written_rows, stats.ledger_dropped_rows,
            stats.ledger_write_failures)));
  }
  if (reply_static(request, path)) return;
  reply_error(make_error(errc::not_found));
}

// CORS preflight: 204, with the CORS grant only for an allowed origin.
void connection::reply_preflight() {
  reply_headers headers;
  headers.allow = cors_allowed_methods;
  reply(204, {}, headers);
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
  shared_->backend.usage(presented_key(request), std::move(range.value().from),
                         std::move(range.value().to), make_sink());
  watch_peer();
}

std::shared_ptr<connection_sink> connection::make_sink() {
  sink_ = std::make_shared<connection_sink>(shared_from_this(), generation_,
                                            options().stream_queue_bytes);
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
  if (!headers.cache_control.empty())
    response_.set(bhttp::field::cache_control, headers.cache_control);
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

void connection::finish_request(unsigned status, bool keep_alive) {
  if (options().access_log) {
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - started_).count();
    spdlog::info("access {} {} {} {}us id={}", method_, target_, status, micros, request_id_);
  }
  busy_ = false;
  ending_ = false;
  end_timer_.cancel();
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
  end_timer_.cancel();
  read_timer_.cancel();
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
  shared_->remove(registry_id_);
}

}  // namespace detail

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

void start_connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<server_shared> shared) {
  std::make_shared<detail::connection>(std::move(socket), std::move(shared))->start();
}

}  // namespace qgate::http
