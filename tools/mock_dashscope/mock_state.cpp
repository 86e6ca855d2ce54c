// The request log and the stats, rendered as JSON for the /mock/* control endpoints.
#include "tools/mock_dashscope/mock_state.hpp"

#include "messages/json_escape.hpp"

#include <chrono>

namespace qgate::mock {
namespace {

void append_field(std::string& json, std::string_view name, std::int64_t value) {
  json += '"';
  json += name;
  json += "\":";
  json += std::to_string(value);
}

}  // namespace

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void mock_state::record(recorded_request request) {
  if (!recording()) return;
  std::lock_guard lock(mutex_);
  request.seq = next_seq_++;
  records_.push_back(std::move(request));
  while (records_.size() > options_.record) records_.pop_front();
}

std::int64_t mock_state::count_key(std::string_view key) {
  // Keys are test names; a run that invents endless keys starts counting afresh.
  constexpr std::size_t max_keys = 10000;
  std::lock_guard lock(mutex_);
  if (key_counts_.size() >= max_keys) key_counts_.clear();
  return ++key_counts_[std::string(key)];
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
    json += R"({"seq":)";
    json += std::to_string(r.seq);
    json += R"(,"method":)";
    append_json_string(json, r.method);
    json += R"(,"target":)";
    append_json_string(json, r.target);
    json += R"(,"headers":{)";
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
      if (i != 0) json += ',';
      append_json_string(json, r.headers[i].first);
      json += ':';
      append_json_string(json, r.headers[i].second);
    }
    json += R"(},"body":)";
    append_json_string(json, r.body);
    json += '}';
  }
  json += ']';
  return json;
}

std::string mock_state::stats_json() const {
  const auto& c = counters_;
  std::string json = "{";
  append_field(json, "requests", c.requests.load());
  json += ',';
  append_field(json, "active_streams", c.active_streams.load());
  json += ',';
  append_field(json, "streams_completed", c.streams_completed.load());
  json += ',';
  append_field(json, "streams_aborted_by_peer", c.streams_aborted_by_peer.load());
  json += ',';
  append_field(json, "last_abort_monotonic_ns", c.last_abort_monotonic_ns.load());
  json += ',';
  append_field(json, "open_connections", c.open_connections.load());
  json += R"(,"requests_by_key":)";
  json += keys_.counts_json();
  json += '}';
  return json;
}

}  // namespace qgate::mock
