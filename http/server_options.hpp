// Every limit of the HTTP side, named (filled from config by main).
#pragma once

#include "http/cors_policy.hpp"
#include "http/static_assets.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace qgate::http {

struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds header_timeout{30000};
  std::chrono::milliseconds keepalive_timeout{75000};
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds sse_ping_interval{15000};
  std::size_t stream_queue_bytes = 256 << 10;
  std::size_t max_connections = 10000;  // 0: no cap but the descriptor limit
  // Out of descriptors (or kernel memory), the listener waits this long before it retries.
  std::chrono::milliseconds accept_backoff{20};
  // A refused connection is kept this long after its 503 so that the request the client is sending
  // is read and dropped rather than answered with a reset that could destroy the 503.
  std::chrono::milliseconds refusal_linger{1000};
  bool access_log = true;
  // GET /metrics: who may read it (the others get 404), and the admin key for admin_key.
  enum class metrics_access { loopback, open, admin_key };
  metrics_access metrics = metrics_access::loopback;
  std::string admin_key;
  // After SIGTERM, /readyz answers 503 this long before the listener stops accepting, so a load
  // balancer that polls it stops sending new calls first.
  std::chrono::milliseconds unready_delay{0};
  cors_policy cors;
  std::shared_ptr<const static_assets> assets;   // null: no docs
  std::shared_ptr<const static_assets> console;  // the admin console's files; null: none
};

}  // namespace qgate::http
