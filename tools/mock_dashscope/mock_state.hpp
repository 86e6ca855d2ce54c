// Options, counters and the request log of one mock process, shared by all its connections.
#pragma once

#include "tools/mock_dashscope/mock_options.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qgate::mock {

struct recorded_request {
  std::uint64_t seq = 0;
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names as the client wrote them
  std::string body;
};

// What GET /mock/stats reports. A "stream" here is any response that is watched for the client
// going away: an SSE stream, or a stall.
struct mock_counters {
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> active_streams{0};
  std::atomic<std::int64_t> streams_completed{0};
  std::atomic<std::int64_t> streams_aborted_by_peer{0};
  std::atomic<std::int64_t> last_abort_monotonic_ns{0};  // steady_clock = CLOCK_MONOTONIC on Linux
  std::atomic<std::int64_t> open_connections{0};
};

class mock_state {
 public:
  explicit mock_state(options o) : options_(std::move(o)) {}

  const options& settings() const { return options_; }
  mock_counters& counters() { return counters_; }

  bool recording() const { return options_.record != 0; }
  void record(recorded_request request);
  void clear_records();
  std::string records_json() const;
  std::string stats_json() const;
  // How many requests carried `key` so far, this one included (the flaky and flap markers).
  std::int64_t count_key(std::string_view key);

 private:
  const options options_;
  mock_counters counters_;
  mutable std::mutex mutex_;  // guards the log below; counters are atomics
  std::uint64_t next_seq_ = 1;
  std::deque<recorded_request> records_;
  std::unordered_map<std::string, std::int64_t> key_counts_;
};

}  // namespace qgate::mock
