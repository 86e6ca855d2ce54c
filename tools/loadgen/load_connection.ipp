// The connection half of load_run.cpp (included there, inside its anonymous namespace, so that
// Beast stays in one translation unit while each file stays small). One connection carries one
// request at a time over keep-alive, reconnecting when the server closes.

void connection::start(std::int64_t intended_ns, bool measured) {
  busy_ = true;
  measured_ = measured;
  intended_ns_ = intended_ns;
  retried_ = false;
  abort_kind_ = nullptr;
  if (open_) return write();
  connect();
}

void connection::connect() {
  connecting_ = true;
  reused_ = false;
  last_activity_ns_ = now_ns();
  socket_.async_connect(worker_.endpoint(), [this](error_code ec) {
    connecting_ = false;
    if (ec) return fail("connect", ec);
    open_ = true;
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    write();
  });
}

void connection::write() {
  last_activity_ns_ = now_ns();
  frames_seen_ = 0;
  body_bytes_ = 0;
  sse_.reset();
  answer_.clear();
  answer_too_large_ = false;
  parser_.emplace();
  parser_->body_limit(boost::none);  // streams are as long as the server makes them
  net::async_write(socket_, net::buffer(worker_.request()), [this](error_code ec, std::size_t) {
    if (ec) return fail("write", ec);
    read();
  });
}

void connection::read() {
  parser_->get().body().data = body_.data();
  parser_->get().body().size = body_.size();
  http::async_read_some(socket_, buffer_, *parser_,
                        [this](error_code ec, std::size_t) { on_read(ec); });
}

void connection::on_read(error_code ec) {
  if (ec == http::error::need_buffer) ec = {};
  if (ec) return fail("read", ec);
  const auto t = now_ns();
  last_activity_ns_ = t;
  const std::size_t n = body_.size() - parser_->get().body().size;
  body_bytes_ += n;
  const bool success = parser_->get().result_int() / 100 == 2;
  if (n != 0 && success && !worker_.options().stream && measured_) {
    if (answer_.size() + n <= max_body_bytes) {
      answer_.append(body_.data(), n);
    } else {
      answer_too_large_ = true;
    }
  }
  if (n != 0 && worker_.options().stream && success) {
    const std::size_t frames = sse_.feed({body_.data(), n});
    if (frames != 0 && measured_) {
      auto& r = worker_.result();
      // Frames that complete within one read arrived together: one gap for the first, 0 after.
      if (frames_seen_ == 0) {
        r.ttft.record(t - intended_ns_);
      } else {
        r.gap.record(t - last_frame_ns_);
      }
      for (std::size_t i = 1; i < frames; ++i) r.gap.record(0);
    }
    frames_seen_ += frames;
    if (frames != 0) last_frame_ns_ = t;
  }
  if (!parser_->is_done()) return read();
  complete();
}

void connection::complete() {
  const auto t = now_ns();
  const auto& response = parser_->get();
  const int status = static_cast<int>(response.result_int());
  const bool success = status / 100 == 2;
  bool good = success;
  if (measured_) {
    auto& r = worker_.result();
    r.latency.record(t - intended_ns_);
    ++r.completed;
    ++r.statuses[status];
    if (success && !account_answer(r)) {
      good = false;
      ++r.bad_bodies;
    }
    if (success && worker_.options().stream) {
      const auto& c = sse_.counts();
      ++r.streams;
      r.frames += c.content;
      r.malformed += c.malformed;
      r.error_frames += c.errors;
      const auto expect = worker_.options().expect_frames;
      if (expect > c.content) r.frames_lost += expect - c.content;
      good = !sse_.lost() && c.errors == 0 && (expect == 0 || c.content >= expect);
      if (!good) ++r.lost_streams;
    }
    if (good) ++r.ok;
    worker_.record_completion(t, !good);
  }
  if (!response.keep_alive()) close();
  reused_ = open_;
  busy_ = false;
  worker_.on_idle(*this);
}

bool connection::account_answer(run_result& r) {
  if (worker_.options().stream) {
    r.output_tokens += sse_.output_tokens();
    if (!sse_.counts().usage_seen) ++r.usage_missing;
    return true;
  }
  const body_verdict v = answer_too_large_ ? body_verdict{} : reader_.read_body(answer_);
  r.output_tokens += v.output_tokens.value_or(0);
  if (!v.output_tokens) ++r.usage_missing;
  return v.ok;
}

void connection::fail(const char* kind, error_code ec) {
  if (abort_kind_ != nullptr) kind = abort_kind_;
  const bool quiet_retry = abort_kind_ == nullptr && reused_ && !retried_ && body_bytes_ == 0 &&
                           parser_ && !parser_->is_header_done() &&
                           (ec == http::error::end_of_stream || ec == net::error::eof ||
                            ec == net::error::connection_reset || ec == net::error::broken_pipe);
  close();
  if (quiet_retry) {
    // The server closed an idle keep-alive connection as we reused it: not the server's error.
    retried_ = true;
    return connect();
  }
  if (!busy_) return;
  auto& r = worker_.result();
  if (measured_) {
    ++r.transport[kind];
    const bool streaming = worker_.options().stream && parser_ && parser_->is_header_done() &&
                           parser_->get().result_int() / 100 == 2;
    if (streaming) {
      (void)account_answer(r);  // the tokens that came before the cut
      ++r.streams;
      ++r.lost_streams;
      r.frames += sse_.counts().content;
      const auto expect = worker_.options().expect_frames;
      if (expect > sse_.counts().content) r.frames_lost += expect - sse_.counts().content;
    }
    if (std::string_view(kind) == "stall") ++r.stalled;
    worker_.record_completion(now_ns(), true);
  }
  busy_ = false;
  worker_.on_idle(*this);
}

void connection::abort(const char* kind) {
  if (abort_kind_ == nullptr) abort_kind_ = kind;  // a stall found earlier stays a stall
  close();  // the pending operation completes with operation_aborted and reports `kind`
}

void connection::close() {
  if (!socket_.is_open()) {
    open_ = false;
    return;
  }
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  open_ = false;
  buffer_.clear();
}
