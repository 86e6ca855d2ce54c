// One libcurl multi handle, driven by one thread, for every upstream transfer of the process.
#pragma once

#include "upstream/generation_request.hpp"
#include "upstream/transfer.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace qgate::upstream {

// Callbacks run on the driver thread and must not block: implementations hand off and return.
class transfer_observer {
 public:
  virtual ~transfer_observer() = default;
  virtual void on_status(response_head head) = 0;
  virtual void on_data(std::string bytes) = 0;
  virtual void on_done(transfer_outcome outcome) = 0;
  // Called once per turn of the driver's loop, after that turn's callbacks for this transfer: an
  // observer may hold the events back and hand them on together (one message instead of three).
  virtual void flush() {}
};

struct transfer_limits {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds first_byte_timeout{60000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds total_timeout{0};  // zero: none (streams)
};

struct driver_options {
  long max_connections = 0;  // zero: no cap
  bool verify_tls = true;
};

using transfer_id = std::uint64_t;

class curl_driver {
 public:
  explicit curl_driver(driver_options options = {});
  ~curl_driver();
  curl_driver(const curl_driver&) = delete;
  curl_driver& operator=(const curl_driver&) = delete;

  // Thread-safe. The observer is called until on_done, or never again once cancel() ran.
  transfer_id start(http_call call, transfer_limits limits,
                    std::shared_ptr<transfer_observer> observer);
  void cancel(transfer_id id);
  void pause(transfer_id id);
  void resume(transfer_id id);

  // Transfers the driver thread currently owns (for leak checks and metrics).
  std::size_t active_transfers() const noexcept { return active_.load(); }
  // How often a transfer was paused for a slow client, since start (metrics, backpressure tests).
  std::uint64_t pauses() const noexcept { return pauses_.load(); }

  struct state;  // opaque; named here only so the C callbacks in the .cpp can reach it

 private:
  struct command;

  void post(command cmd);
  void run();

  std::unique_ptr<state> state_;
  std::mutex mutex_;
  std::vector<command> inbox_;
  std::atomic<transfer_id> next_id_{1};
  std::atomic<std::size_t> active_{0};
  std::atomic<std::uint64_t> pauses_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace qgate::upstream
