// What the HTTP layer may ask of the behaviour layer; actors/ implements it, main wires it.
#pragma once

#include "messages/chat.hpp"
#include "messages/response_sink.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qgate {

class admin_backend;

// A running chat call; cancelling it stops the upstream transfer at once.
class chat_call {
 public:
  virtual ~chat_call() = default;
  // The client is gone: stop, answer nobody (the ledger records 499).
  virtual void cancel() noexcept = 0;
  // Stop and answer `reason` through the sink, as any failure is answered: an error response, or
  // a final error frame and `[DONE]` once the stream began (the ledger records its status).
  virtual void fail(error reason) noexcept = 0;
};

// One upstream key as /healthz shows it: its fingerprint, never the key.
struct upstream_key_health {
  std::string provider;     // "dashscope", or a [[providers]] name
  std::string fingerprint;  // "none" for a server without keys
  int weight = 1;
  std::string state;             // healthy | cooling | rejected | open | probing
  std::int64_t retry_in_ms = 0;  // until a cooling or open key is tried again
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
};

// Live counters for health checks and leak tests.
struct gateway_stats {
  std::size_t io_threads = 0;
  std::uint64_t cross_thread_wakeups = 0;  // actors woken from another thread, since start
  std::size_t running_actors = 0;
  std::size_t upstream_transfers = 0;
  std::uint64_t upstream_pauses = 0;        // backpressure events since start
  std::uint64_t ledger_buffered_rows = 0;   // usage rows waiting for the database
  std::uint64_t ledger_written_rows = 0;    // since start
  std::uint64_t ledger_spilled_rows = 0;    // waiting in the spill file for the database
  std::uint64_t ledger_dropped_rows = 0;    // since start (the spill file failed too)
  std::uint64_t ledger_write_failures = 0;  // failed batch writes since start
  std::vector<upstream_key_health> upstream_keys;
  double retry_budget = 0;  // retries the gateway may make now
  // Readiness: the catalog's store answered its last check, and (limits in Redis) at least one
  // io thread is connected to Redis.
  bool catalog_reachable = true;
  bool limits_reachable = true;
};

class gateway {
 public:
  virtual ~gateway() = default;
  virtual gateway_stats stats() const = 0;
  virtual void list_models(std::string api_key, response_sink_ptr sink) = 0;
  virtual std::unique_ptr<chat_call> start_chat(chat_request request, response_sink_ptr sink) = 0;
  // The caller's usage per model per day, days inclusive (YYYY-MM-DD).
  virtual void usage(std::string api_key, std::string from_day, std::string to_day,
                     response_sink_ptr sink) = 0;
  // The admin API, or null when it is off (no admin key configured): every /admin path is 404.
  virtual admin_backend* admin() { return nullptr; }
};

}  // namespace qgate
