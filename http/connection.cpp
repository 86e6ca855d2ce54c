// One client connection: HTTP/1.1 keep-alive, routing, JSON replies and SSE streams. All state is
// touched on the connection's strand; actors reach it only through connection_sink, which posts.
// Reading a request is in connection_read.cpp, writing streams in connection_stream.cpp.
#include "http/connection_impl.hpp"
#include "http/route_table.hpp"

#include "http/chat_request_parser.hpp"
#include "http/cors_policy.hpp"
#include "http/error_mapping.hpp"
#include "http/message_framing.hpp"
#include "http/openai_request.hpp"
#include "http/query.hpp"
#include "http/request_id.hpp"
#include "http/trace_context.hpp"
#include "messages/json_escape.hpp"
#include "metrics/exposition.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <iterator>
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

}  // namespace

void connection::start() {
  registry_id_ = shared_->add(weak_from_this());
  do_read();
}

void connection::close_when_idle() {
  net::post(executor(), [self = shared_from_this()] {
    if (self->answering()) {
      self->close_after_ = true;
    } else {
      self->close();
    }
  });
}

void connection::close_now() {
  net::post(executor(), [self = shared_from_this()] {
    if (!self->answering()) return self->close();
    if (!self->call_ || self->phase_ == phase::ending) return self->abort_request();
    // A chat in flight gets its last words, as any failure does: an error response, or a final
    // error frame and [DONE] once its stream began. Then the connection closes.
    self->phase_ = phase::ending;
    self->close_after_ = true;
    self->call_->fail(make_error(errc::unavailable, "gateway shutting down"));
    self->end_timer_.expires_after(final_answer_wait);
    self->end_timer_.async_wait([self, generation = self->generation_](beast::error_code ec) {
      if (ec || self->stale(generation) || !self->answering()) return;
      self->abort_request();  // the answer could not be written in time (a stalled reader)
    });
  });
}

void connection::handle_request() {
  auto& request = parser_->get();
  phase_ = phase::answering;
  ++generation_;
  started_ = clock::now();
  version_ = request.version();
  keep_alive_ = request.keep_alive();
  method_ = std::string(request.method_string());
  target_ = std::string(request.target());
  request_id_ = pick_request_id(request["X-Request-Id"]);
  cors_origin_ = options().cors.allow(request[bhttp::field::origin]);
  cors_request_headers_ = std::string(request[bhttp::field::access_control_request_headers]);
  // An absolute-form target (RFC 9112 §3.2.2) is routed on its path; its authority is ignored.
  const auto target = origin_form(request.target());
  const auto path = target.substr(0, target.find('?'));
  dialect_ = is_openai_path(path) ? openai_dialect({}) : seed_dialect();
  route(request, path.empty() ? std::string_view("/") : path);
}

void connection::route(bhttp::request<bhttp::string_body>& request, std::string_view path) {
  const auto match = match_route(request.method_string(), path);
  route_ = match.which;
  switch (match.which) {
    case route::preflight:
      return reply_preflight();
    case route::chat:
      return start_chat(request);
    case route::models:
    case route::openai_models:
      return start_models(request);
    case route::openai_model:
      dialect_ = openai_dialect({}, std::string(path.substr(openai_model_prefix.size())));
      return start_models(request);
    case route::openai_chat:
      return start_openai_chat(request);
    case route::usage:
      return start_usage(request, origin_form(request.target()));
    case route::healthz:
      return reply_health();
    case route::readyz:
      return reply_ready();
    case route::metrics:
      return reply_metrics(request);
    case route::admin:
      return start_admin(request, path);
    case route::static_asset:
      if (reply_static(request, path)) return;
      return reply_error(make_error(errc::not_found));
    case route::method_not_allowed:
      return reply_error(make_error(errc::method_not_allowed), match.allow);
    case route::not_found:
      return reply_error(
          make_error(errc::not_found, fmt::format("Invalid URL ({} {})", method_, path)));
  }
}

void connection::reply_health() {
  const auto stats = shared_->backend.stats();
  auto body = fmt::format(
      R"({{"status":"ok","connections":{},"actors":{},"upstream_transfers":{},"upstream_pauses":{},)"
      R"("io_threads":{},"cross_thread_wakeups":{},)"
      R"("ledger":{{"buffered_rows":{},"written_rows":{},"spilled_rows":{},"dropped_rows":{},)"
      R"("write_failures":{}}},)"
      R"("upstream":{{"retry_budget":{:.1f},"keys":[)",
      shared_->size(), stats.running_actors, stats.upstream_transfers, stats.upstream_pauses,
      stats.io_threads, stats.cross_thread_wakeups, stats.ledger_buffered_rows,
      stats.ledger_written_rows, stats.ledger_spilled_rows, stats.ledger_dropped_rows,
      stats.ledger_write_failures, stats.retry_budget);
  for (std::size_t i = 0; i < stats.upstream_keys.size(); ++i) {
    const auto& key = stats.upstream_keys[i];
    if (i != 0) body += ',';
    body += R"({"provider":)";
    append_json_string(body, key.provider);
    body += R"(,"key":)";
    append_json_string(body, key.fingerprint);
    body += R"(,"state":)";
    append_json_string(body, key.state);
    fmt::format_to(std::back_inserter(body),
                   R"(,"weight":{},"retry_in_ms":{},"successes":{},"failures":{}}})", key.weight,
                   key.retry_in_ms, key.successes, key.failures);
  }
  body += "]}}";
  reply(200, success_body(body));
}

// CORS preflight: 204, with the CORS grant only for an allowed origin.
// Ready: the catalog is loaded (always, once listening), the configured stores answer, and no
// shutdown has begun.
void connection::reply_ready() {
  const auto stats = shared_->backend.stats();
  const char* why = shared_->unready           ? "shutting down"
                    : !stats.catalog_reachable ? "the catalog store does not answer"
                    : !stats.limits_reachable  ? "Redis does not answer"
                                               : nullptr;
  if (why != nullptr) {
    reply_headers headers;
    headers.cache_control = "no-store";
    return reply(503,
                 fmt::format(R"({{"code":503,"message":"not ready","data":{{"ready":false,)"
                             R"("reason":"{}"}},"error":"UNAVAILABLE"}})",
                             why),
                 headers);
  }
  reply_headers headers;
  headers.cache_control = "no-store";
  reply(200, R"({"code":200,"message":"success","data":{"ready":true}})", headers);
}

// The Prometheus exposition, for whom metrics.access allows; the rest get 404 (nothing to see).
void connection::reply_metrics(const bhttp::request<bhttp::string_body>& request) {
  using access = server_options::metrics_access;
  bool allowed = options().metrics == access::open;
  if (options().metrics == access::loopback) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    allowed = !ec && peer.address().is_loopback();
  } else if (options().metrics == access::admin_key) {
    const auto presented = presented_key(request);
    allowed = !options().admin_key.empty() && presented.size() == options().admin_key.size() &&
              CRYPTO_memcmp(presented.data(), options().admin_key.data(), presented.size()) == 0;
  }
  if (!allowed) return reply_error(make_error(errc::not_found));
  reply_headers headers;
  headers.content_type = metrics::content_type;
  headers.cache_control = "no-store";
  reply(200, metrics::gateway().render(), headers);
}

void connection::reply_preflight() {
  reply_headers headers;
  headers.allow = cors_allowed_methods;
  reply(204, {}, headers);
}

void connection::start_chat(bhttp::request<bhttp::string_body>& request) {
  auto parsed = parse_chat_request(request.body());
  if (!parsed) return reply_error(parsed.error());
  auto chat = std::move(parsed).value();
  served_model_ = chat.model;
  chat.request_id = request_id_;
  chat.api_key = presented_key(request);
  traceparent_ = traceparent_for(request["traceparent"]);
  chat.traceparent = traceparent_;
  call_ = shared_->backend.start_chat(std::move(chat), make_sink());
  watch_peer();
}

// The OpenAI door: its own translator, the same gateway underneath.
void connection::start_openai_chat(bhttp::request<bhttp::string_body>& request) {
  auto parsed = parse_openai_chat(request.body());
  if (!parsed) return reply_error(parsed.error());
  auto chat = std::move(parsed).value();
  dialect_ =
      openai_dialect({"chatcmpl-" + request_id_, static_cast<std::int64_t>(std::time(nullptr)),
                      chat.request.model, chat.include_usage});
  served_model_ = chat.request.model;
  chat.request.request_id = request_id_;
  chat.request.api_key = presented_key(request);
  traceparent_ = traceparent_for(request["traceparent"]);
  chat.request.traceparent = traceparent_;
  call_ = shared_->backend.start_chat(std::move(chat.request), make_sink());
  watch_peer();
}

void connection::start_models(bhttp::request<bhttp::string_body>& request) {
  shared_->backend.list_models(presented_key(request), make_sink());
  watch_peer();
}

void connection::start_usage(bhttp::request<bhttp::string_body>& request, std::string_view target) {
  auto range = parse_day_range(target);
  if (!range) return reply_error(range.error());
  shared_->backend.usage(presented_key(request), std::move(range.value().from),
                         std::move(range.value().to), make_sink());
  watch_peer();
}

void connection::deliver_summary(std::uint64_t generation, call_summary summary) {
  if (stale(generation)) return;
  summary_ = std::move(summary);
}

std::shared_ptr<connection_sink> connection::make_sink() {
  sink_ = std::make_shared<connection_sink>(shared_from_this(), generation_, dialect_,
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
  add_chat_headers(response_);
  response_.keep_alive(keep_alive_ && !close_after_ && !shared_->draining);
  response_.body() = std::move(body);
  // A 204 carries neither a body nor Content-Length (RFC 9110 §8.6).
  if (status != 204) response_.prepare_payload();
  if (method_ == "HEAD") response_.body().clear();
  // Written at once when the socket takes it all (an answer is a few hundred bytes): no composed
  // operation and no timer. What the socket does not take goes on asynchronously from where the
  // serializer stopped, with the write timeout.
  reply_serializer_.emplace(response_);
  count_request(response_.result_int());
  beast::error_code ec;
  auto& socket = stream_.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  while (!ec && !reply_serializer_->is_done()) bhttp::write_some(socket, *reply_serializer_, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) {
    stream_.expires_after(options().write_timeout);
    return bhttp::async_write(
        stream_, *reply_serializer_,
        beast::bind_front_handler(&connection::on_reply_written, shared_from_this()));
  }
  on_reply_written(ec, 0);
}

void connection::reply_error(const error& err, std::string_view allow) {
  const auto mapped = map_error(err);
  if (err.code == errc::upstream_unauthorized) {
    spdlog::error(
        "request {} failed: DashScope rejected qgate's own API key (the upstream "
        "credential, not the caller's): {}",
        request_id_, err.detail);
  } else if (mapped.status >= 500 || err.code == errc::unauthorized) {
    spdlog::warn("request {} failed: {} {}", request_id_, mapped.symbol, err.detail);
  }
  reply_headers headers;
  headers.allow = allow;
  reply(dialect_->status_of(err), dialect_->error_body(err), headers);
}

void connection::on_reply_written(beast::error_code ec, std::size_t) {
  if (closed()) return;
  finish_request(response_.result_int(), !ec && response_.keep_alive());
}

void connection::watch_peer() {
  // While the answer is being prepared, a read tells us at once when the client goes away.
  if (peer_watched_ || closed()) return;
  peer_watched_ = true;
  stream_.expires_never();
  stream_.async_read_some(buffer_.prepare(peer_read_chunk),
                          beast::bind_front_handler(&connection::on_peer, shared_from_this()));
}

void connection::on_peer(beast::error_code ec, std::size_t bytes) {
  peer_watched_ = false;
  if (closed()) return;
  if (!ec) {
    // A pipelined next request: keep it for the parser.
    buffer_.commit(bytes);
    if (read_after_watch_) {
      read_after_watch_ = false;
      do_read();
    } else if (answering() && buffer_.size() < options().max_header_bytes) {
      watch_peer();
    }
    return;
  }
  if (ec == net::error::operation_aborted && read_after_watch_) {
    read_after_watch_ = false;  // finish_request stopped the watch to parse a pipelined request
    return do_read();
  }
  if (ec == beast::error::timeout && answering()) return watch_peer();
  if (answering()) return abort_request();
  close();
}

// Once per request, as its answer (or a stream's last frames) is handed to the socket: a client
// that scrapes /metrics right after reading its answer finds it counted, whichever io thread the
// scrape lands on. The duration is to that moment.
void connection::count_request(unsigned status) {
  if (counted_) return;
  counted_ = true;
  const auto elapsed = clock::now() - started_;
  auto& meter = *shared_->route_meters[static_cast<std::size_t>(route_)];
  meter.requests(status).inc();
  meter.duration.observe(elapsed);
  // What qgate itself took: all of it, but the time the upstream had the call.
  const auto upstream = std::chrono::microseconds(summary_ ? summary_->upstream_us : 0);
  meter.overhead.observe(std::max<clock::duration>(clock::duration::zero(), elapsed - upstream));
}

void connection::finish_request(unsigned status, bool keep_alive) {
  count_request(status);  // when nothing was written (a client gone, a cut stream)
  const auto elapsed = clock::now() - started_;
  if (options().access_log) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    if (summary_) {
      // Never keys, never contents: who, which model, what the upstream said, how fast, how much.
      spdlog::info(
          "access {} {} {} {}us id={} trace={} tenant={} model={} upstream={} ttft_us={} "
          "tokens_in={} tokens_out={}",
          method_, target_, status, micros, request_id_, trace_id_of(traceparent_),
          summary_->tenant, summary_->model, summary_->upstream_status, summary_->ttft_us,
          summary_->usage.input_tokens, summary_->usage.output_tokens);
    } else if (!traceparent_.empty()) {
      spdlog::info("access {} {} {} {}us id={} trace={}", method_, target_, status, micros,
                   request_id_, trace_id_of(traceparent_));
    } else {
      spdlog::info("access {} {} {} {}us id={}", method_, target_, status, micros, request_id_);
    }
  }
  summary_.reset();
  counted_ = false;
  traceparent_.clear();
  route_ = http::route::not_found;
  if (phase_ != phase::closed) phase_ = phase::waiting;
  end_timer_.cancel();
  rate_limit_ = {};
  served_model_.clear();
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
  if (closed()) return;
  phase_ = phase::closed;
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

std::array<metrics::route_metrics*, route_count> server_shared::resolve_route_meters() {
  std::array<metrics::route_metrics*, route_count> meters{};
  for (std::size_t i = 0; i < route_count; ++i)
    meters[i] = &metrics::gateway().route(route_name(static_cast<route>(i)));
  return meters;
}

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
