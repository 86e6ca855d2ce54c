// What one load-generator run does: the target, the load shape and the limits that bound it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/loadgen/sse_dialect.hpp"

namespace qgate::loadgen {

enum class load_mode { closed, open };

struct run_options {
  std::string host = "127.0.0.1";  // as given: it is also the Host header
  std::string address;             // host resolved to an IP literal, by resolve_host
  std::uint16_t port = 8000;
  std::string path;  // empty: the target's default path
  sse_dialect target = sse_dialect::gateway;
  std::string model = "qwen-turbo";
  std::string api_key;  // sent as a Bearer token when not empty
  bool stream = false;
  std::size_t prompt_bytes = 16;

  load_mode mode = load_mode::closed;
  int concurrency = 1;              // closed loop: requests in flight
  double rate = 0;                  // open loop: requests per second
  int max_connections = 10000;      // open loop: connections it may open to keep the rate
  double duration_s = 10;           // measured time, after the warm-up (ignored with requests)
  std::uint64_t requests = 0;       // measured requests; 0: run for duration_s
  double warmup_s = 0;              // requests started in the warm-up are not recorded
  int stall_timeout_ms = 10000;     // no byte for this long: the request is a stall
  int drain_timeout_ms = 30000;     // after the end: how long requests in flight may finish
  int connect_timeout_ms = 5000;    // bounds a connect that never completes
  std::uint64_t expect_frames = 0;  // content frames a stream must carry; 0: not checked
  int threads = 1;                  // I/O threads, each with its own connections

  bool json = false;
  bool progress = true;
};

// The path the target serves chat on.
[[nodiscard]] std::string effective_path(const run_options& o);
// Sets `address` to an address of `host` (getaddrinfo, IPv4 preferred); the error text if none.
[[nodiscard]] std::optional<std::string> resolve_host(run_options& o);
// The complete HTTP/1.1 request, serialized once and written as-is by every connection.
[[nodiscard]] std::string build_request(const run_options& o);

}  // namespace qgate::loadgen
