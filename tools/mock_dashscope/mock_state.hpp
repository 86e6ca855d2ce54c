// Options, counters, keys and the request log of one mock process, shared by all its connections.
#pragma once

#include "tools/mock_dashscope/mock_keys.hpp"
#include "tools/mock_dashscope/mock_options.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
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

// Milliseconds of a monotonic clock; the key quotas' time, replaceable in planner tests.
using monotonic_ms_fn = std::function<std::int64_t()>;
std::int64_t steady_now_ms();

class mock_state {
 public:
  explicit mock_state(options o, monotonic_ms_fn now_ms = steady_now_ms)
      : options_(std::move(o)), now_ms_(std::move(now_ms)), keys_(options_) {}

  const options& settings() const { return options_; }
  mock_counters& counters() { return counters_; }
  mock_keys& keys() { return keys_; }
  std::int64_t now_ms() const { return now_ms_(); }

  bool recording() const { return options_.record != 0; }
  void record(recorded_request request);
  void clear_records();
  std::string records_json() const;
  std::string stats_json() const;
  // How many requests carried `key` so far, this one included (the flaky, flap, fail-first and
  // status-first markers).
  std::int64_t count_key(std::string_view key);

 private:
  const options options_;
  const monotonic_ms_fn now_ms_;
  mock_counters counters_;
  mock_keys keys_;
  mutable std::mutex mutex_;  // guards the log below; counters are atomics
  std::uint64_t next_seq_ = 1;
  std::deque<recorded_request> records_;
  std::unordered_map<std::string, std::int64_t> key_counts_;
};

}  // namespace qgate::mock
