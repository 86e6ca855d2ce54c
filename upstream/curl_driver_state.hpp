// What a curl_driver owns on its io thread: the multi handle, the transfers, the easy-handle pool
// and the Asio descriptors and timers that curl's socket and timer callbacks drive. Internal to
// upstream/: curl_driver.cpp runs the transfers, curl_driver_asio.cpp the sockets and timers.
#pragma once

#include "upstream/curl_driver.hpp"
#include "upstream/curl_handles.hpp"

#include <sys/types.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace qgate::upstream {

using driver_clock = std::chrono::steady_clock;

inline constexpr std::chrono::milliseconds timeout_scan_interval{25};
inline constexpr std::size_t easy_pool_limit = 256;
// SSE events and chat answers are a few hundred bytes to a few KB: curl's default 16 KB receive
// buffer per transfer was the largest allocation of an open stream (see BENCHMARKS.md).
inline constexpr long receive_buffer_bytes = 4096;

struct transfer {
  transfer_id id = 0;
  curl_driver::state* owner = nullptr;
  easy_ptr easy;
  // curl's header list, its nodes pointing into call.headers (which outlive it): one allocation
  // per transfer instead of a node and a copy of the line per header. curl only reads it.
  std::vector<curl_slist> header_list;
  bool added = false;  // easy is in the multi handle
  http_call call;
  transfer_limits limits;
  std::shared_ptr<transfer_observer> observer;  // null once cancelled: nothing is called again
  driver_clock::time_point started;
  driver_clock::time_point last_activity;
  bool got_first_byte = false;
  bool paused = false;
  bool status_reported = false;
  std::optional<std::int64_t> retry_after_s;  // of the response whose head is being read
  bool touched = false;  // has events this turn; its observer is flushed at the turn's end
};

// A descriptor curl asked to have watched. Ours (opened by the open-socket callback, closed only
// by the close-socket callback) or, for descriptors curl opens itself (the threaded resolver's
// socketpair), a duplicate: Asio then never registers or closes a number curl may reuse.
struct watched_socket {
  explicit watched_socket(boost::asio::io_context& io) : descriptor(io) {}
  boost::asio::posix::stream_descriptor descriptor;
  bool foreign = false;
  dev_t device = 0;  // of a foreign descriptor: tells the original from a reused number
  ino_t inode = 0;
  int wanted = 0;                             // CURL_POLL_IN | CURL_POLL_OUT
  std::array<std::uint64_t, 2> wait_token{};  // the pending async_wait per direction; 0: none
};

struct curl_driver::state : std::enable_shared_from_this<state> {
  state(boost::asio::io_context& context, driver_options driver_options);
  ~state();
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  bool on_io_thread() const noexcept;

  // Transfers (curl_driver.cpp); io thread only.
  void start_transfer(std::unique_ptr<transfer> t);
  void cancel_transfer(transfer_id id);
  void detach_observer(transfer_id id);
  void pause_transfer(transfer_id id);
  bool mark_resumed(transfer_id id);
  void unpause(transfer_id id);
  void touch(transfer& t);
  void report_status(transfer& t);
  void finish(transfer_id id, transfer_outcome outcome);
  void fail_later(transfer_id id, std::string message);
  void scan_timeouts();
  // After every handler: finished transfers are reported, then each touched observer is flushed.
  void end_turn();

  // Sockets and timers (curl_driver_asio.cpp); io thread only.
  void install_multi_callbacks();
  void install_socket_callbacks(CURL* easy);
  void socket_action(curl_socket_t fd, int mask);
  void watch(curl_socket_t fd, int what);
  void arm(curl_socket_t fd, watched_socket& socket);
  void on_ready(curl_socket_t fd, std::size_t direction, std::uint64_t token, bool failed);
  curl_socket_t open_socket(int family, int type, int protocol);
  int close_socket(curl_socket_t fd);
  void set_curl_timer(long timeout_ms);
  void on_curl_timer(std::uint64_t generation);
  void arm_scan();

  boost::asio::io_context& io;
  const driver_options options;
  std::unordered_map<curl_socket_t, std::unique_ptr<watched_socket>> sockets;
  boost::asio::steady_timer curl_timer;
  bool curl_timer_armed = false;
  std::uint64_t timer_generation = 0;  // drops a timeout curl replaced or cancelled meanwhile
  boost::asio::steady_timer scan_timer;
  bool scan_armed = false;
  std::uint64_t next_wait_token = 1;
  int in_curl = 0;  // inside a curl call that may run write/header callbacks
  multi_ptr multi;  // null if curl_multi_init failed: every transfer then fails
  std::unordered_map<transfer_id, std::unique_ptr<transfer>> transfers;
  std::vector<easy_ptr> easy_pool;
  // Observers with events this turn, by transfer (a finished one is no longer in transfers).
  std::vector<std::pair<transfer_id, std::shared_ptr<transfer_observer>>> touched;

  // Any thread.
  std::atomic<transfer_id> next_id{1};
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> pauses{0};
};

}  // namespace qgate::upstream
