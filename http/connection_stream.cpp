// The write side of a connection: replies handed over by actors, and SSE streams with their
// backpressure accounting and keep-alive pings.
#include "http/connection_impl.hpp"

#include "http/error_mapping.hpp"

#include <fmt/format.h>

namespace qgate::http::detail {

void connection::deliver_rate_limit(std::uint64_t generation, const rate_limit_info& info) {
  if (stale(generation)) return;
  // An upstream 429 adds only a Retry-After to the limits admission reported.
  if (info.limit_requests > 0 || info.limit_tokens > 0) rate_limit_ = info;
  if (info.retry_after_s > 0) rate_limit_.retry_after_s = info.retry_after_s;
}

void connection::deliver_served_model(std::uint64_t generation, std::string model) {
  if (stale(generation)) return;
  served_model_ = std::move(model);
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
  pending_frames_ += dialect_->error_frames(err);
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
  add_chat_headers(stream_head_);
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
  bhttp::async_write_header(
      stream_, *head_serializer_,
      beast::bind_front_handler(&connection::on_stream_head_written, shared_from_this()));
}

void connection::on_stream_head_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed()) return;
  if (ec) return abort_request();
  arm_ping();
  flush_frames();
}

void connection::flush_frames() {
  if (writing_ || closed()) return;
  if (stream_finished_) count_request(200);  // its last frames go out now
  if (pending_frames_.empty()) {
    if (!stream_finished_) return;
    if (version_ < 11) return finish_request(200, false);
    writing_ = true;
    stream_.expires_after(options().write_timeout);
    net::async_write(
        stream_, bhttp::make_chunk_last(),
        beast::bind_front_handler(&connection::on_stream_end_written, shared_from_this()));
    return;
  }
  frame_bytes_in_write_ = pending_frames_.size();
  frames_in_write_.clear();
  if (version_ >= 11) {  // one chunk of the chunked body
    frames_in_write_ = fmt::format("{:x}\r\n", pending_frames_.size());
    frames_in_write_ += pending_frames_;
    frames_in_write_ += "\r\n";
  } else {
    frames_in_write_.swap(pending_frames_);
  }
  pending_frames_.clear();
  last_write_ = clock::now();
  // Written at once when the socket takes it (the usual case: a frame is small): no composed
  // operation, no completion handler on a later turn, no write timer. Only what the socket does
  // not take goes through an async write, with its timeout.
  beast::error_code ec;
  auto& socket = stream_.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  const std::size_t sent = ec ? 0 : socket.write_some(net::buffer(frames_in_write_), ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  if (ec) return abort_request();
  if (sent == frames_in_write_.size()) return frames_written();
  writing_ = true;
  stream_.expires_after(options().write_timeout);
  net::async_write(stream_, net::buffer(frames_in_write_) + sent,
                   beast::bind_front_handler(&connection::on_frames_written, shared_from_this()));
}

void connection::on_frames_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed()) return;
  if (ec) return abort_request();
  frames_written();
}

void connection::frames_written() {
  if (sink_) sink_->written(frame_bytes_in_write_);
  frames_in_write_.clear();
  frame_bytes_in_write_ = 0;
  flush_frames();
}

void connection::on_stream_end_written(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (closed()) return;
  finish_request(200, !ec && keep_alive_);
}

void connection::arm_ping() {
  ping_timer_.expires_after(options().sse_ping_interval);
  ping_timer_.async_wait(
      [self = shared_from_this(), generation = generation_](beast::error_code ec) {
        if (ec || self->stale(generation) || !self->head_serializer_ || self->stream_finished_)
          return;
        // `: ping` is an SSE comment: clients ignore it, proxies see a live connection.
        if (!self->writing_ && self->pending_frames_.empty() &&
            clock::now() - self->last_write_ >= self->options().sse_ping_interval) {
          self->pending_frames_ += sse_ping_frame;
          self->flush_frames();
        }
        self->arm_ping();
      });
}

}  // namespace qgate::http::detail
