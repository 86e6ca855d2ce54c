#include "upstream/framed_decoder.hpp"

namespace qgate::upstream {

void framed_decoder::emit(decoded value, std::vector<decoded>& out) {
  if (const auto* delta = std::get_if<chat_delta>(&value); delta == nullptr || delta->finish) {
    finished_ = true;
  }
  out.push_back(std::move(value));
}

void framed_decoder::on_bytes(std::string_view bytes, std::vector<decoded>& out) {
  if (finished_) return;
  // Some proxies and servers answer a stream request with one JSON body: accept it.
  if (stream_ && http_status_ == 200 && !sniffed_) {
    const auto first = bytes.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    sniffed_ = true;
    json_answer_ = bytes[first] == '{';
  }
  if (!streaming_body()) {
    if (body_.size() + bytes.size() > max_unary_body_bytes) {
      emit(make_error(errc::upstream_error, "上游响应过大"), out);
      return;
    }
    body_.append(bytes);
    return;
  }
  events_.clear();
  if (!sse_.feed(bytes, events_)) {
    emit(make_error(errc::upstream_error, "上游事件过大"), out);
    return;
  }
  for (auto& event : events_) {
    if (finished_) break;
    on_event(event, out);
  }
}

void framed_decoder::drain_events(std::vector<decoded>& out) {
  events_.clear();
  sse_.finish(events_);
  for (auto& event : events_) {
    if (!finished_) on_event(event, out);
  }
}

}  // namespace qgate::upstream
