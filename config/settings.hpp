// Typed, validated, immutable configuration of one qgate process.
#pragma once

#include "config/providers.hpp"
#include "config/upstream_lists.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace qgate::config {

struct server_settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  // Threads, each an event loop with its own connections, actors and upstream transfers; 0: one
  // per core.
  int io_threads = 0;
  // How long a quiet io thread keeps polling for events before it sleeps in the kernel (0: not
  // at all). A sleep and its wake-up cost ~100 µs per request at low load on a VM.
  int busy_poll_us = 50;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  int shutdown_grace_ms = 10000;
  int unready_delay_ms = 0;       // on SIGTERM: /readyz says 503 this long before accepting stops
  int header_timeout_ms = 30000;  // reading one request's header and body
  int keepalive_timeout_ms = 75000;            // idle keep-alive connection
  int write_timeout_ms = 30000;                // a client that stops reading
  std::size_t stream_queue_bytes = 256 << 10;  // SSE backpressure high-water mark per stream
  int sse_ping_ms = 15000;                     // `: ping` comment on an idle stream
  int max_connections = 10000;  // open client connections; over it 503 and close; 0: no cap
};

struct upstream_settings {
  std::string base_url = "https://dashscope.aliyuncs.com";
  std::string api_key;  // the first of `keys`; never logged
  // DashScope keys with their weights, never from the file itself: DASHSCOPE_API_KEYS, else the
  // references in `api_key_refs` (env:NAME, file:PATH), else DASHSCOPE_API_KEY.
  std::vector<weighted_item> keys;
  std::string api_key_refs;
  int max_retries = 2;            // more attempts of a call that failed before its first byte
  int retry_deadline_ms = 30000;  // no new attempt this long after the call began
  int retry_backoff_ms = 200;     // first wait before the same key is tried again (doubles)
  int retry_wait_max_ms = 2000;   // longest a call waits for a cooling key; then 429 + Retry-After
  int retry_budget_percent = 20;  // retries allowed per 100 calls, gateway-wide
  int retry_reserve = 10;         // retries always allowed (a quiet gateway)
  int key_cooldown_ms = 1000;     // a key's first cooldown after a 429 without Retry-After
  int key_cooldown_max_ms = 60000;
  int breaker_failures = 5;     // failures in a row that take a key out for a while
  int breaker_open_ms = 10000;  // then one probe call
  fallback_chains fallbacks;    // model → the models that serve when it fails
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
  // libpq URI (postgresql://user@host:port/db): models, tenants and the ledger live there and
  // `path` is not used. Empty: SQLite at `path`.
  std::string postgres_url;
};

struct limits_settings {
  int model_max_concurrency = 0;  // concurrent calls per model across all tenants; 0: no cap
  int ledger_flush_ms = 1000;     // how often buffered usage rows are written
  // Usage rows waiting for the database (it may be failing) at most; more are dropped and counted.
  std::size_t ledger_max_buffered_rows = 100'000;
  // Rows past the bound while the database fails go to this file, and back to the database when
  // it recovers.
  std::string ledger_spill_path = "data/ledger-spill.jsonl";
  // redis://[:password@]host:port[/db]: every limit is shared through it. Empty: in-process.
  std::string redis_url;
  int redis_timeout_ms = 50;       // no call waits on Redis longer; then this instance's limits
  int redis_slot_ttl_ms = 30'000;  // a dead instance's stream and call slots expire after this
};

struct docs_settings {
  bool enabled = true;
  std::string assets_dir = "web/node_modules";  // npm packages swagger-ui-dist and redoc
  std::string openapi = "http/docs/openapi.json";
};

// The admin API (/admin/...) and its console (/admin/console): off while `key` is empty.
struct admin_settings {
  // Never from the file itself, never logged: QGATE_ADMIN_KEY, else the reference in `key_ref`.
  std::string key;
  std::string key_ref;                      // env:NAME or file:PATH
  std::string console_dir = "web/console";  // the console's HTML, JS and CSS
};

// Who may read GET /metrics: clients on a loopback address (a Prometheus on the same machine or
// behind a local proxy), anyone, or callers presenting the admin key.
struct metrics_settings {
  std::string access = "loopback";  // loopback | open | admin_key
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
  std::vector<provider_settings> providers;  // [[providers]]: file only
  catalog_settings catalog;
  limits_settings limits;
  docs_settings docs;
  admin_settings admin;
  metrics_settings metrics;
  cors_settings cors;
  log_settings log;
};

}  // namespace qgate::config
