#include "config/key_table.hpp"

#include <cctype>

namespace qgate::config {
namespace {

constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;
constexpr std::int64_t gib = 1024 * mib;
constexpr std::int64_t max_timeout_ms = 86'400'000;

key_spec integer(std::string_view section, std::string_view name, std::int64_t min,
                 std::int64_t max, std::function<void(settings&, std::int64_t)> apply) {
  return {
      section, name, value_kind::integer, min, max, {}, [apply](settings& s, const raw_value& v) {
        apply(s, std::get<std::int64_t>(v));
      }};
}

key_spec text(std::string_view section, std::string_view name,
              std::function<std::optional<std::string>(const std::string&)> check,
              std::function<void(settings&, const std::string&)> apply) {
  return {section,
          name,
          value_kind::text,
          0,
          0,
          std::move(check),
          [apply](settings& s, const raw_value& v) { apply(s, std::get<std::string>(v)); }};
}

std::optional<std::string> not_empty(const std::string& value) {
  if (value.empty()) return "a non-empty string";
  return std::nullopt;
}

std::optional<std::string> one_of(const std::string& value,
                                  std::initializer_list<std::string_view> allowed) {
  for (auto option : allowed) {
    if (value == option) return std::nullopt;
  }
  std::string message = "one of";
  for (auto option : allowed) message += " " + std::string(option);
  return message;
}

std::vector<key_spec> build_table() {
  std::vector<key_spec> keys;
  // [server]
  keys.push_back(text("server", "host", not_empty,
                      [](settings& s, const std::string& v) { s.server.host = v; }));
  keys.push_back(integer("server", "port", 0, 65535, [](settings& s, std::int64_t v) {
    s.server.port = static_cast<std::uint16_t>(v);
  }));
  keys.push_back(integer("server", "io_threads", 0, 64, [](settings& s, std::int64_t v) {
    s.server.io_threads = static_cast<int>(v);
  }));
  keys.push_back(integer("server", "busy_poll_us", 0, 10'000, [](settings& s, std::int64_t v) {
    s.server.busy_poll_us = static_cast<int>(v);
  }));
  keys.push_back(integer("server", "max_body_bytes", kib, gib, [](settings& s, std::int64_t v) {
    s.server.max_body_bytes = static_cast<std::size_t>(v);
  }));
  keys.push_back(integer("server", "max_header_bytes", kib, mib, [](settings& s, std::int64_t v) {
    s.server.max_header_bytes = static_cast<std::size_t>(v);
  }));
  keys.push_back(integer(
      "server", "shutdown_grace_ms", 0, 600'000,
      [](settings& s, std::int64_t v) { s.server.shutdown_grace_ms = static_cast<int>(v); }));
  keys.push_back(integer("server", "unready_delay_ms", 0, 600'000, [](settings& s, std::int64_t v) {
    s.server.unready_delay_ms = static_cast<int>(v);
  }));
  keys.push_back(integer(
      "server", "header_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.server.header_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "server", "keepalive_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.server.keepalive_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "server", "write_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.server.write_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer("server", "stream_queue_bytes", kib, gib, [](settings& s, std::int64_t v) {
    s.server.stream_queue_bytes = static_cast<std::size_t>(v);
  }));
  keys.push_back(
      integer("server", "sse_ping_ms", 1, max_timeout_ms,
              [](settings& s, std::int64_t v) { s.server.sse_ping_ms = static_cast<int>(v); }));
  keys.push_back(
      integer("server", "max_connections", 0, 1'000'000,
              [](settings& s, std::int64_t v) { s.server.max_connections = static_cast<int>(v); }));
  // [upstream]
  keys.push_back(text(
      "upstream", "base_url",
      [](const std::string& v) -> std::optional<std::string> {
        if (v.starts_with("http://") || v.starts_with("https://")) return std::nullopt;
        return "a URL starting with http:// or https://";
      },
      [](settings& s, const std::string& v) { s.upstream.base_url = v; }));
  keys.push_back(integer(
      "upstream", "connect_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.connect_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "first_byte_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.first_byte_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "idle_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.idle_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "total_timeout_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.total_timeout_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "max_connections", 0, 1'000'000,
      [](settings& s, std::int64_t v) { s.upstream.max_connections = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "max_idle_connections", 0, 1'000'000,
      [](settings& s, std::int64_t v) { s.upstream.max_idle_connections = static_cast<int>(v); }));
  keys.push_back(text(
      "upstream", "api_keys",
      [](const std::string& v) -> std::optional<std::string> {
        auto items = parse_weighted_list(v);
        if (!items) return "a list of env:NAME or file:PATH, each with an optional *WEIGHT";
        for (const auto& item : items.value()) {
          const bool reference = (item.value.starts_with("env:") && item.value.size() > 4) ||
                                 (item.value.starts_with("file:") && item.value.size() > 5);
          // Never the key itself: a config file is read by more people than the key should be.
          if (!reference) return "references only (env:NAME or file:PATH), never a key";
        }
        return std::nullopt;
      },
      [](settings& s, const std::string& v) { s.upstream.api_key_refs = v; }));
  keys.push_back(integer("upstream", "max_retries", 0, 10, [](settings& s, std::int64_t v) {
    s.upstream.max_retries = static_cast<int>(v);
  }));
  keys.push_back(integer(
      "upstream", "retry_deadline_ms", 0, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.retry_deadline_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "retry_backoff_ms", 0, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.retry_backoff_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "retry_wait_max_ms", 0, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.retry_wait_max_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "retry_budget_percent", 0, 100,
      [](settings& s, std::int64_t v) { s.upstream.retry_budget_percent = static_cast<int>(v); }));
  keys.push_back(integer("upstream", "retry_reserve", 0, 100'000, [](settings& s, std::int64_t v) {
    s.upstream.retry_reserve = static_cast<int>(v);
  }));
  keys.push_back(integer(
      "upstream", "key_cooldown_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.key_cooldown_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "key_cooldown_max_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.key_cooldown_max_ms = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "breaker_failures", 1, 1'000'000,
      [](settings& s, std::int64_t v) { s.upstream.breaker_failures = static_cast<int>(v); }));
  keys.push_back(integer(
      "upstream", "breaker_open_ms", 1, max_timeout_ms,
      [](settings& s, std::int64_t v) { s.upstream.breaker_open_ms = static_cast<int>(v); }));
  keys.push_back(text(
      "upstream", "fallbacks",
      [](const std::string& v) -> std::optional<std::string> {
        auto chains = parse_fallbacks(v);
        if (!chains)
          return "chains `model: next, next; model: next` (" + chains.error().detail + ")";
        return std::nullopt;
      },
      [](settings& s, const std::string& v) {
        s.upstream.fallbacks = parse_fallbacks(v).value();
      }));
  // [catalog]
  keys.push_back(text("catalog", "path", not_empty,
                      [](settings& s, const std::string& v) { s.catalog.path = v; }));
  keys.push_back(
      text("catalog", "seed", {}, [](settings& s, const std::string& v) { s.catalog.seed = v; }));
  keys.push_back(integer(
      "catalog", "reload_interval_ms", 100, 3'600'000,
      [](settings& s, std::int64_t v) { s.catalog.reload_interval_ms = static_cast<int>(v); }));
  keys.push_back(text(
      "catalog", "postgres_url",
      [](const std::string& v) -> std::optional<std::string> {
        if (v.empty() || v.starts_with("postgresql://") || v.starts_with("postgres://"))
          return std::nullopt;
        return "\"\" or a URI postgresql://user@host:port/database";
      },
      [](settings& s, const std::string& v) { s.catalog.postgres_url = v; }));
  // [limits]
  keys.push_back(integer(
      "limits", "model_max_concurrency", 0, 1'000'000,
      [](settings& s, std::int64_t v) { s.limits.model_max_concurrency = static_cast<int>(v); }));
  keys.push_back(
      integer("limits", "ledger_flush_ms", 10, 3'600'000,
              [](settings& s, std::int64_t v) { s.limits.ledger_flush_ms = static_cast<int>(v); }));
  keys.push_back(integer("limits", "ledger_max_buffered_rows", 1, 100'000'000,
                         [](settings& s, std::int64_t v) {
                           s.limits.ledger_max_buffered_rows = static_cast<std::size_t>(v);
                         }));
  keys.push_back(text("limits", "ledger_spill_path", not_empty,
                      [](settings& s, const std::string& v) { s.limits.ledger_spill_path = v; }));
  keys.push_back(text(
      "limits", "redis_url",
      [](const std::string& v) -> std::optional<std::string> {
        // Debian 12's hiredis (0.14) has no TLS: rediss:// would silently not be encrypted.
        if (v.empty() || (v.starts_with("redis://") && v.size() > 8)) return std::nullopt;
        return "\"\" or redis://[:password@]host:port[/db] (rediss:// needs a hiredis with TLS)";
      },
      [](settings& s, const std::string& v) { s.limits.redis_url = v; }));
  keys.push_back(integer("limits", "redis_timeout_ms", 1, 60'000, [](settings& s, std::int64_t v) {
    s.limits.redis_timeout_ms = static_cast<int>(v);
  }));
  keys.push_back(integer(
      "limits", "redis_slot_ttl_ms", 1'000, 3'600'000,
      [](settings& s, std::int64_t v) { s.limits.redis_slot_ttl_ms = static_cast<int>(v); }));
  // [docs]
  keys.push_back(
      {"docs", "enabled", value_kind::boolean, 0, 0, {}, [](settings& s, const raw_value& v) {
         s.docs.enabled = std::get<bool>(v);
       }});
  keys.push_back(text("docs", "assets_dir", not_empty,
                      [](settings& s, const std::string& v) { s.docs.assets_dir = v; }));
  keys.push_back(text("docs", "openapi", not_empty,
                      [](settings& s, const std::string& v) { s.docs.openapi = v; }));
  // [admin]
  keys.push_back(text(
      "admin", "key_ref",
      [](const std::string& v) -> std::optional<std::string> {
        // Never the key itself: a config file is read by more people than the key should be.
        if (v.empty() || (v.starts_with("env:") && v.size() > 4) ||
            (v.starts_with("file:") && v.size() > 5))
          return std::nullopt;
        return "\"\", env:NAME or file:PATH (a reference, never the key)";
      },
      [](settings& s, const std::string& v) { s.admin.key_ref = v; }));
  keys.push_back(text("admin", "console_dir", not_empty,
                      [](settings& s, const std::string& v) { s.admin.console_dir = v; }));
  // [metrics]
  keys.push_back(text(
      "metrics", "access",
      [](const std::string& v) {
        return one_of(v, {"loopback", "open", "admin_key"});
      },
      [](settings& s, const std::string& v) { s.metrics.access = v; }));
  // [cors]
  keys.push_back(text("cors", "allow_origins", {},
                      [](settings& s, const std::string& v) { s.cors.allow_origins = v; }));
  // [log]
  keys.push_back(text(
      "log", "level",
      [](const std::string& v) {
        return one_of(v, {"trace", "debug", "info", "warn", "error", "critical", "off"});
      },
      [](settings& s, const std::string& v) { s.log.level = v; }));
  keys.push_back(text(
      "log", "format",
      [](const std::string& v) {
        return one_of(v, {"text", "json"});
      },
      [](settings& s, const std::string& v) {
        s.log.format = v == "json" ? log_format::json : log_format::text;
      }));
  keys.push_back(
      {"log", "access", value_kind::boolean, 0, 0, {}, [](settings& s, const raw_value& v) {
         s.log.access = std::get<bool>(v);
       }});
  return keys;
}

}  // namespace

std::string key_spec::env_name() const {
  std::string variable = "QGATE_";
  for (char c : section) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  variable += '_';
  for (char c : name) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable;
}

const std::vector<key_spec>& key_table() {
  static const std::vector<key_spec> table = build_table();
  return table;
}

}  // namespace qgate::config
