// Options, counters and the request log of one mock process, shared by all its connections.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace qgate::mock {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int threads = 1;
  std::string api_key = "sk-qgate-mock";
  int chunks = 8;
  int chunk_interval_ms = 0;
  int first_byte_ms = 0;
  std::size_t record = 1000;
};

struct recorded_request {
  std::uint64_t seq = 0;
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class mock_state {
 public:
  explicit mock_state(options o) : options_(std::move(o)) {}

  const options& settings() const { return options_; }
  void record(recorded_request request);
  void clear_records();
  std::string records_json() const;
  std::string stats_json() const;

  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> active_streams{0};
  std::atomic<std::int64_t> streams_completed{0};
  std::atomic<std::int64_t> streams_aborted_by_peer{0};
  std::atomic<std::int64_t> last_abort_monotonic_ns{0};
  std::atomic<std::int64_t> open_connections{0};

 private:
  options options_;
  mutable std::mutex mutex_;
  std::uint64_t next_seq_ = 1;
  std::deque<recorded_request> records_;
};

}  // namespace qgate::mock
