#include "tools/mock_dashscope/mock_state.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

namespace qgate::mock {

void mock_state::record(recorded_request request) {
  if (options_.record == 0) return;
  std::lock_guard lock(mutex_);
  request.seq = next_seq_++;
  records_.push_back(std::move(request));
  while (records_.size() > options_.record) records_.pop_front();
}

void mock_state::clear_records() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

std::string mock_state::records_json() const {
  std::lock_guard lock(mutex_);
  std::string json = "[";
  for (const auto& r : records_) {
    if (json.size() > 1) json += ',';
    json += fmt::format(R"({{"seq":{},"method":)", r.seq);
    append_json_string(json, r.method);
    json += ",\"target\":";
    append_json_string(json, r.target);
    json += ",\"headers\":{";
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
      if (i != 0) json += ',';
      append_json_string(json, r.headers[i].first);
      json += ':';
      append_json_string(json, r.headers[i].second);
    }
    json += "},\"body\":";
    append_json_string(json, r.body);
    json += '}';
  }
  json += ']';
  return json;
}

std::string mock_state::stats_json() const {
  return fmt::format(
      R"({{"requests":{},"active_streams":{},"streams_completed":{},"streams_aborted_by_peer":{},"last_abort_monotonic_ns":{},"open_connections":{}}})",
      requests.load(), active_streams.load(), streams_completed.load(), streams_aborted_by_peer.load(),
      last_abort_monotonic_ns.load(), open_connections.load());
}

}  // namespace qgate::mock
