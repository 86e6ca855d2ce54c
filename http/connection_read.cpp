// Reading one request: the head (checked for obsolete folding before Beast sees it), 100-continue,
// the body, under the connection's own read deadline (so a late request can still be told 408),
// and the verdicts on what cannot be read (400, 408, 413, 431, then close).
#include "http/connection_impl.hpp"

#include "http/message_framing.hpp"
#include "http/request_id.hpp"
#include "http/route_table.hpp"

#include <boost/beast/core/read_size.hpp>

#include <vector>

namespace qgate::http::detail {
namespace {

bool is_http_parse_error(const beast::error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

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
  if (closed()) return;
  if (ec) return on_read(ec, 0);
  buffer_.commit(bytes);
  read_head();
}

// Clients such as curl ask before sending a large body; answering at once saves them a 1 s wait.
void connection::on_header(beast::error_code ec, std::size_t bytes) {
  if (closed()) return;
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
  if (closed()) return;
  if (ec) return close();
  read_body();
}

void connection::read_body() {
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
  if (closed()) return;
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
    if (ec || self->closed() || deadline != self->read_deadline_) return;
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
  phase_ = phase::answering;
  method_ = head_parsed ? std::string(parser_->get().method_string()) : "-";
  target_ = head_parsed ? std::string(parser_->get().target()) : "-";
  std::string_view given_id;
  if (head_parsed) given_id = parser_->get()["X-Request-Id"];
  request_id_ = pick_request_id(given_id);
  cors_origin_.reset();
  cors_request_headers_.clear();
  dialect_ = head_parsed && is_openai_path(origin_form(parser_->get().target()))
                 ? openai_dialect({})
                 : seed_dialect();
  reply_error(err);
}

}  // namespace qgate::http::detail
