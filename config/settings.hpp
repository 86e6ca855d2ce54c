// Typed, validated, immutable configuration of one qgate process.
#pragma once

#include <cstdint>
#include <string>

namespace qgate::config {

struct server_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  // Threads, each an event loop with its own connections, actors and upstream transfers; 0: one
  // per core.
  int io_threads = 0;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  int shutdown_grace_ms = 10000;
  int header_timeout_ms = 30000;               // reading one request's header and body
  int keepalive_timeout_ms = 75000;            // idle keep-alive connection
  int write_timeout_ms = 30000;                // a client that stops reading
  std::size_t stream_queue_bytes = 256 << 10;  // SSE backpressure high-water mark per stream
  int sse_ping_ms = 15000;                     // `: ping` comment on an idle stream
  int max_connections = 10000;  // open client connections; over it 503 and close; 0: no cap
};

struct upstream_settings {
  std::string base_url = "https://dashscope.aliyuncs.com";
  std::string api_key;  // from env DASHSCOPE_API_KEY only; never logged
  int connect_timeout_ms = 5000;
  int first_byte_timeout_ms = 60000;
  int idle_timeout_ms = 60000;
  int total_timeout_ms = 300000;  // non-stream calls only
  int max_connections = 0;        // 0: no cap on upstream connections
  // Idle upstream connections kept for reuse per io thread; 0: curl's default.
  int max_idle_connections = 1024;
};

struct catalog_settings {
  std::string path = "data/catalog.db";
  std::string seed = "config/models.json";
  int reload_interval_ms = 1000;
};

struct limits_settings {
  int model_max_concurrency = 0;  // concurrent calls per model across all tenants; 0: no cap
  int ledger_flush_ms = 1000;     // how often buffered usage rows are written
  // Usage rows waiting for the database (it may be failing) at most; more are dropped and counted.
  std::size_t ledger_max_buffered_rows = 100'000;
};

struct docs_settings {
  bool enabled = true;
  std::string assets_dir = "web/node_modules";  // npm packages swagger-ui-dist and redoc
  std::string openapi = "http/docs/openapi.json";
};

struct cors_settings {
  std::string allow_origins = "*";  // comma-separated origins, "*" for any, "" for none
};

enum class log_format { text, json };

struct log_settings {
  std::string level = "info";
  log_format format = log_format::text;
  bool access = true;
};

struct settings {
  server_settings server;
  upstream_settings upstream;
  catalog_settings catalog;
  limits_settings limits;
  docs_settings docs;
  cors_settings cors;
  log_settings log;
};

}  // namespace qgate::config
