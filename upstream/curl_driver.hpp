// One libcurl multi handle on a caller's Asio io_context: one driver per io thread, whose upstream
// transfers then run on the same thread as that thread's connections and actors.
#pragma once

#include "upstream/generation_request.hpp"
#include "upstream/transfer.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace qgate::upstream {

// Callbacks run on the io thread and must not block: implementations hand off and return. They
// never run inside the driver's start(), cancel(), pause() or resume().
class transfer_observer {
 public:
  virtual ~transfer_observer() = default;
  virtual void on_status(response_head head) = 0;
  virtual void on_data(std::string bytes) = 0;
  virtual void on_done(transfer_outcome outcome) = 0;
  // Called once per turn of the io loop, after that turn's callbacks for this transfer: an
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
  // Idle upstream connections kept for reuse per io thread; 0: curl's default.
  long max_idle_connections = 1024;
  bool verify_tls = true;
};

using transfer_id = std::uint64_t;

class curl_driver {
 public:
  // `io` must outlive the driver. Nothing runs until some thread runs `io`.
  explicit curl_driver(boost::asio::io_context& io, driver_options options = {});
  // On the io thread (not from inside an observer callback), or once `io` no longer runs: releases
  // every transfer (their observers are not called) and every handle and socket.
  ~curl_driver();
  curl_driver(const curl_driver&) = delete;
  curl_driver& operator=(const curl_driver&) = delete;

  // Callable from any thread. On the io thread they act at once (no lock, no post); elsewhere, or
  // from inside an observer callback, they are posted to it, in call order. The observer is called
  // until on_done, or never again once cancel() ran (on the io thread: once it returned).
  transfer_id start(http_call call, transfer_limits limits,
                    std::shared_ptr<transfer_observer> observer);
  void cancel(transfer_id id);
  void pause(transfer_id id);
  void resume(transfer_id id);

  // Transfers the driver currently owns (for leak checks and metrics); any thread.
  std::size_t active_transfers() const noexcept;
  // How often a transfer was paused for a slow client, since start (metrics, backpressure tests).
  std::uint64_t pauses() const noexcept;

  struct state;  // opaque; named here only so the C callbacks in the .cpp files can reach it

 private:
  bool acts_inline() const noexcept;

  std::shared_ptr<state> state_;  // pending handlers hold it weakly: they outlive the driver safely
};

}  // namespace qgate::upstream
