// Internal to http/: one client connection (HTTP/1.1 keep-alive, routing, JSON replies, SSE
// streams). All its state is touched on its strand; actors reach it only through connection_sink,
// which posts. connection.cpp reads and routes; connection_stream.cpp writes streams;
// connection_static.cpp answers the docs.
#pragma once

#include "http/connection.hpp"
#include "http/dialect.hpp"
#include "http/json_render.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <optional>

namespace qgate::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using clock = std::chrono::steady_clock;

constexpr std::string_view json_type = "application/json; charset=utf-8";
// Reads while an answer is pending only notice a closed peer or buffer a pipelined request (read
// in pieces): a small chunk keeps 10,000 open streams from holding 4 KB each for nothing.
constexpr std::size_t peer_read_chunk = 512;
// Upper bound of one read while a request head arrives (Beast's own read uses the same).
constexpr std::size_t head_read_chunk = 65536;
// Status logged for a request whose client went away before the answer (nginx's convention).
constexpr unsigned client_closed_status = 499;
// At shutdown, how long a chat in flight has for its last words (a final frame or an error
// response) before its connection is cut; main waits a little longer for every connection.
constexpr std::chrono::milliseconds final_answer_wait{500};

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
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        ping_timer_(stream_.get_executor()),
        end_timer_(stream_.get_executor()),
        read_timer_(stream_.get_executor()) {}

  void start();
  void close_when_idle() override;
  void close_now() override;
  net::any_io_executor executor() { return stream_.get_executor(); }

  void deliver_body(std::uint64_t generation, std::string body);
  void deliver_rate_limit(std::uint64_t generation, const rate_limit_info& info);
  void deliver_served_model(std::uint64_t generation, std::string model);
  void deliver_summary(std::uint64_t generation, call_summary summary);
  void deliver_frames(std::uint64_t generation, std::string frames, bool last);
  void deliver_error(std::uint64_t generation, error err);
  // An admin API answer: its status, never cached (it may carry a new key).
  void deliver_reply(std::uint64_t generation, unsigned status, std::string body);

 private:
  const server_options& options() const { return shared_->options; }
  bool stale(std::uint64_t generation) const { return closed() || generation != generation_; }
  bool answering() const noexcept { return phase_ == phase::answering || phase_ == phase::ending; }
  bool closed() const noexcept { return phase_ == phase::closed; }

  void do_read();
  void read_head();
  void on_head_bytes(beast::error_code ec, std::size_t bytes);
  void on_header(beast::error_code ec, std::size_t);
  void on_continue_sent(beast::error_code ec, std::size_t);
  void read_body();
  void on_read(beast::error_code ec, std::size_t);
  void reply_and_close(const error& err);
  void arm_read_deadline(std::chrono::milliseconds limit);
  void disarm_read_deadline();
  bool request_started() const;
  void handle_request();
  void route(bhttp::request<bhttp::string_body>& request, std::string_view path);
  void start_chat(bhttp::request<bhttp::string_body>& request);
  void start_openai_chat(bhttp::request<bhttp::string_body>& request);
  void start_models(bhttp::request<bhttp::string_body>& request);
  void start_admin(bhttp::request<bhttp::string_body>& request, std::string_view path);
  std::shared_ptr<connection_sink> make_sink();

  void reply(unsigned status, std::string body, const reply_headers& headers = {});
  void reply_error(const error& err, std::string_view allow = {});
  void reply_preflight();
  void reply_health();
  void reply_ready();
  void reply_metrics(const bhttp::request<bhttp::string_body>& request);
  bool reply_static(const bhttp::request<bhttp::string_body>& request, std::string_view path);
  static bool wants_gzip(const bhttp::request<bhttp::string_body>& request);
  void reply_asset(const static_asset& asset, bool gzip);
  void on_asset_written(beast::error_code ec, std::size_t);
  template <class Fields>
  void add_cors(Fields& fields) const;
  template <class Fields>
  void add_chat_headers(Fields& fields) const;
  void start_usage(bhttp::request<bhttp::string_body>& request, std::string_view target);
  void on_reply_written(beast::error_code ec, std::size_t);

  void watch_peer();
  void on_peer(beast::error_code ec, std::size_t bytes);

  bool stream_head_serialized() const;
  void start_stream();
  void on_stream_head_written(beast::error_code ec, std::size_t);
  void flush_frames();
  void frames_written();
  void on_frames_written(beast::error_code ec, std::size_t);
  void on_stream_end_written(beast::error_code ec, std::size_t);
  void arm_ping();

  void count_request(unsigned status);  // the route's metrics, once per request
  void finish_request(unsigned status, bool keep_alive);
  void abort_request();
  void close();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<server_shared> shared_;
  metrics::gauge_scope open_{metrics::gateway().open_connections()};  // qgate_open_connections
  std::uint64_t registry_id_ = 0;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::size_t head_scanned_ = 0;  // scan_head's progress through the head being received
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> reply_serializer_;
  bhttp::response<bhttp::empty_body> stream_head_;
  // A docs asset's bytes, written from the shared mapping: `shared_->options.assets` outlives us.
  bhttp::response<bhttp::span_body<const char>> asset_response_;
  int saved_notsent_lowat_ = 0;  // the socket's own TCP_NOTSENT_LOWAT, while an asset is written
  std::optional<bhttp::response_serializer<bhttp::empty_body>> head_serializer_;
  net::steady_timer ping_timer_;
  net::steady_timer end_timer_;  // bounds the last words of a chat cut by shutdown
  // Reading a request runs under this timer rather than the stream's own timeout, which would
  // close the socket and leave no way to answer 408.
  net::steady_timer read_timer_;
  std::uint64_t read_deadline_ = 0;  // tells a stale expiry from the current one
  bool read_timed_out_ = false;

  // The request in flight.
  std::uint64_t generation_ = 0;
  // Where the connection is: between requests, answering one, ending one (told to by shutdown:
  // its final answer is on the way), or closed for good.
  enum class phase { waiting, answering, ending, closed };
  phase phase_ = phase::waiting;
  bool close_after_ = false;
  bool keep_alive_ = true;
  bool peer_watched_ = false;
  bool read_after_watch_ = false;
  unsigned version_ = 11;
  std::string method_;
  std::string target_;
  std::string request_id_;
  std::optional<std::string> cors_origin_;
  std::string cors_request_headers_;  // a preflight's Access-Control-Request-Headers
  std::shared_ptr<dialect> dialect_ = seed_dialect();  // how this request is answered
  rate_limit_info rate_limit_;
  std::string served_model_;  // a chat's model: X-Qgate-Model (a fallback's, when one served)
  http::route route_ = http::route::not_found;
  std::string traceparent_;              // W3C: the caller's, or a new trace (chats only)
  std::optional<call_summary> summary_;  // what the chat was, once it ended
  bool counted_ = false;                 // count_request ran for the request in flight
  clock::time_point started_;
  std::shared_ptr<connection_sink> sink_;
  std::unique_ptr<chat_call> call_;

  // The SSE stream of the request in flight.
  bool stream_finished_ = false;
  bool writing_ = false;
  std::string pending_frames_;
  std::string frames_in_write_;           // with its chunk framing
  std::size_t frame_bytes_in_write_ = 0;  // the frames alone (the sink counts those)
  clock::time_point last_write_;
};

// Thread-safe. An actor on the connection's own io thread (the normal case: a session runs where
// its connection does) delivers inline; from any other thread the delivery is posted there.
// Inline is safe because actors never run nested inside connection code (a spawn or a send only
// enqueues).
class connection_sink final : public response_sink {
 public:
  connection_sink(std::shared_ptr<connection> owner, std::uint64_t generation,
                  std::shared_ptr<dialect> speaks, std::size_t high_water)
      : owner_(std::move(owner)),
        generation_(generation),
        dialect_(std::move(speaks)),
        high_water_(high_water) {}

  void set_rate_limit(rate_limit_info info) override {
    net::dispatch(owner_->executor(), [owner = owner_, generation = generation_, info] {
      owner->deliver_rate_limit(generation, info);
    });
  }
  void set_call_summary(call_summary summary) override {
    net::dispatch(owner_->executor(), [owner = owner_, generation = generation_,
                                       summary = std::move(summary)]() mutable {
      owner->deliver_summary(generation, std::move(summary));
    });
  }
  void set_served_model(std::string model) override {
    dialect_->set_model(model);
    net::dispatch(owner_->executor(),
                  [owner = owner_, generation = generation_, model = std::move(model)]() mutable {
                    owner->deliver_served_model(generation, std::move(model));
                  });
  }
  void send_models(model_list models) override {
    auto body = dialect_->models_body(*models);
    if (!body) return send_error(std::move(body).error());
    post_body(std::move(body).value());
  }
  void send_usage(std::vector<usage_total> totals) override { post_body(usage_body(totals)); }
  void send_admin(admin_reply reply) override;  // connection_admin.cpp
  void send_completion(chat_completion completion) override {
    post_body(dialect_->completion_body(completion));
  }
  void send_delta(chat_delta delta) override {
    std::string frame;
    dialect_->append_frames(frame, delta);
    const bool last = delta.finish.has_value();
    queued_ += frame.size();
    net::dispatch(owner_->executor(),
                  [owner = owner_, generation = generation_, frame = std::move(frame),
                   last]() mutable { owner->deliver_frames(generation, std::move(frame), last); });
  }
  void send_error(error err) override {
    net::dispatch(owner_->executor(),
                  [owner = owner_, generation = generation_, err = std::move(err)]() mutable {
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
    net::dispatch(owner_->executor(),
                  [owner = owner_, generation = generation_, body = std::move(body)]() mutable {
                    owner->deliver_body(generation, std::move(body));
                  });
  }

  std::shared_ptr<connection> owner_;
  std::uint64_t generation_;
  std::shared_ptr<dialect> dialect_;
  std::size_t high_water_;
  std::atomic<std::size_t> queued_{0};
  std::mutex drained_mutex_;
  std::function<void()> drained_;
};

template <class Fields>
void connection::add_chat_headers(Fields& fields) const {
  if (!served_model_.empty()) fields.set("X-Qgate-Model", served_model_);
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
    fields.set(bhttp::field::access_control_allow_headers,
               allowed_headers_for(cors_request_headers_));
    fields.set(bhttp::field::access_control_max_age, cors_max_age);
  }
}

}  // namespace qgate::http::detail
