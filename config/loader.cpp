#include "config/loader.hpp"

#include "config/key_table.hpp"
#include "config/providers_reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace qgate::config {
namespace {

constexpr std::string_view default_config_path = "config/qgate.toml";
// A shorter admin key could be guessed; longer ones are fine (a header carries it).
constexpr std::size_t min_admin_key_bytes = 16;

load_error error_for(const key_spec& key, std::string_view source, std::string_view detail) {
  return {key.dotted(), fmt::format("{} ({}): {}", key.dotted(), source, detail)};
}

std::string describe_range(const key_spec& key) {
  return fmt::format("an integer from {} to {}", key.min, key.max);
}

// Checks a typed value against the key's rules and applies it.
std::optional<load_error> accept(const key_spec& key, raw_value value, std::string_view source,
                                 settings& out) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    if (*number < key.min || *number > key.max) {
      return error_for(
          key, source,
          fmt::format("{} is out of range; expected {}", *number, describe_range(key)));
    }
  }
  if (const auto* text = std::get_if<std::string>(&value); text != nullptr && key.check_text) {
    if (auto allowed = key.check_text(*text)) {
      // A reference refused may be the admin key itself, written where its reference belongs.
      const auto shown = key.name == "key_ref" ? std::string("…") : without_password(*text);
      return error_for(key, source,
                       fmt::format("\"{}\" is not allowed; expected {}", shown, *allowed));
    }
  }
  key.apply(out, value);
  return std::nullopt;
}

std::optional<raw_value> parse_text(const key_spec& key, const std::string& text) {
  switch (key.kind) {
    case value_kind::text:
      return raw_value(text);
    case value_kind::boolean:
      if (text == "true" || text == "1") return raw_value(true);
      if (text == "false" || text == "0") return raw_value(false);
      return std::nullopt;
    case value_kind::integer: {
      std::int64_t number = 0;
      const auto* end = text.data() + text.size();
      const auto parsed = std::from_chars(text.data(), end, number);
      if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != end) return std::nullopt;
      return raw_value(number);
    }
  }
  return std::nullopt;
}

std::string_view kind_name(value_kind kind) {
  switch (kind) {
    case value_kind::integer:
      return "an integer";
    case value_kind::boolean:
      return "a boolean";
    case value_kind::text:
      return "a string";
  }
  return "a value";
}

const key_spec* find_key(std::string_view section, std::string_view name) {
  for (const auto& key : key_table()) {
    if (key.section == section && key.name == name) return &key;
  }
  return nullptr;
}

bool known_section(std::string_view section) {
  for (const auto& key : key_table()) {
    if (key.section == section) return true;
  }
  return false;
}

std::optional<raw_value> from_toml(const key_spec& key, const toml::node& node) {
  switch (key.kind) {
    case value_kind::integer:
      if (auto v = node.value_exact<std::int64_t>()) return raw_value(*v);
      return std::nullopt;
    case value_kind::boolean:
      if (auto v = node.value_exact<bool>()) return raw_value(*v);
      return std::nullopt;
    case value_kind::text:
      if (auto v = node.value_exact<std::string>()) return raw_value(*v);
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<load_error> apply_table(const toml::table& root, const std::string& path,
                                      settings& out) {
  for (const auto& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    if (section == "providers") {
      const auto* tables = section_node.as_array();
      if (tables == nullptr) {
        return load_error{"providers", path + ": providers: expected [[providers]] tables"};
      }
      out.providers.clear();
      if (auto failure = read_providers(*tables, out.providers)) {
        return load_error{failure->where, path + ": " + failure->message};
      }
      continue;
    }
    const auto* table = section_node.as_table();
    if (!known_section(section) || table == nullptr) {
      // An empty name is legal TOML (`"" = 0`): name it as written, so the error names something.
      const std::string shown = section.empty() ? "\"\"" : section;
      return load_error{shown, fmt::format("{}: unknown section [{}]", path, shown)};
    }
    for (const auto& [name_key, node] : *table) {
      const std::string name(name_key.str());
      if (section == "upstream" && name == "api_key") {
        return load_error{
            "upstream.api_key",
            "upstream.api_key: the key is never read from a file; set DASHSCOPE_API_KEY"};
      }
      if (section == "admin" && name == "key") {
        return load_error{"admin.key",
                          "admin.key: the admin key is never read from a file; set "
                          "QGATE_ADMIN_KEY or admin.key_ref = \"env:NAME\" or \"file:PATH\""};
      }
      const auto* key = find_key(section, name);
      if (key == nullptr) {
        return load_error{section + "." + name,
                          fmt::format("{}: unknown key {}.{}", path, section, name)};
      }
      auto value = from_toml(*key, node);
      if (!value) return error_for(*key, path, fmt::format("expected {}", kind_name(key->kind)));
      if (auto failure = accept(*key, std::move(*value), path, out)) return failure;
    }
  }
  return std::nullopt;
}

std::optional<load_error> apply_file(const cli_options& cli, const environment& env,
                                     settings& out) {
  std::string path;
  bool explicit_path = true;
  if (cli.config_path) {
    path = *cli.config_path;
  } else if (auto from_env = env("QGATE_CONFIG")) {
    path = *from_env;
  } else {
    path = default_config_path;
    explicit_path = false;
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (!explicit_path) return std::nullopt;
    return load_error{"config", fmt::format("config file {} does not exist", path)};
  }
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    return load_error{"config", fmt::format("config file {} cannot be read", path)};
  }
  return apply_toml(text, path, out);
}

// The text of a key reference (env:NAME or file:PATH), trimmed; errors name the reference, never
// a key.
std::optional<std::string> read_reference(const environment& env, std::string_view reference) {
  std::string text;
  if (reference.starts_with("env:")) {
    auto value = env(reference.substr(4));
    if (!value) return std::nullopt;
    text = *value;
  } else {
    // A directory opens but throws on the first read (libstdc++): regular files only, and a read
    // error is "no key", never an exception out of the loader (found by fuzz_config).
    const std::string path(reference.substr(5));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
    try {
      std::ifstream in(path, std::ios::binary);
      if (!in) return std::nullopt;
      text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      return std::nullopt;
    }
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// DashScope keys: DASHSCOPE_API_KEYS (key*weight, ...), else the config's references, else
// DASHSCOPE_API_KEY alone.
std::optional<load_error> resolve_keys(const environment& env, settings& out) {
  auto& upstream = out.upstream;
  upstream.keys.clear();
  if (auto list = env("DASHSCOPE_API_KEYS"); list && !list->empty()) {
    auto items = parse_weighted_list(*list);
    if (!items) {
      return load_error{"DASHSCOPE_API_KEYS",
                        "DASHSCOPE_API_KEYS: " + items.error().detail +
                            " (a comma-separated list of keys, each with an optional *WEIGHT)"};
    }
    upstream.keys = std::move(items).value();
  } else if (!upstream.api_key_refs.empty()) {
    auto references = parse_weighted_list(upstream.api_key_refs);  // checked when it was set
    for (auto& item : references.value()) {
      auto secret = read_reference(env, item.value);
      if (!secret) {
        return load_error{
            "upstream.api_keys",
            fmt::format("upstream.api_keys: {} is unset, empty or unreadable", item.value)};
      }
      upstream.keys.push_back({std::move(*secret), item.weight});
    }
  } else if (auto one = env("DASHSCOPE_API_KEY"); one && !one->empty()) {
    upstream.keys.push_back({*one, 1});
  }
  upstream.api_key = upstream.keys.empty() ? std::string() : upstream.keys.front().value;
  for (std::size_t i = 0; i < out.providers.size(); ++i) {
    auto& provider = out.providers[i];
    provider.keys.clear();
    auto references = parse_weighted_list(provider.api_keys);  // checked when it was read
    for (auto& item : references.value()) {
      auto secret = read_reference(env, item.value);
      if (!secret) {
        const auto where = fmt::format("providers[{}].api_keys", i);
        return load_error{where,
                          fmt::format("{}: {} is unset, empty or unreadable", where, item.value)};
      }
      provider.keys.push_back({std::move(*secret), item.weight});
    }
  }
  return std::nullopt;
}

// The admin key: QGATE_ADMIN_KEY, else admin.key_ref's reference; none: the admin API is off.
// Errors never show the key.
std::optional<load_error> resolve_admin_key(const environment& env, settings& out) {
  auto& admin = out.admin;
  admin.key.clear();
  std::string_view source = "QGATE_ADMIN_KEY";
  if (auto direct = env("QGATE_ADMIN_KEY"); direct && !direct->empty()) {
    admin.key = *direct;
  } else if (!admin.key_ref.empty()) {
    source = "admin.key_ref";
    auto secret = read_reference(env, admin.key_ref);
    if (!secret) {
      return load_error{
          "admin.key_ref",
          fmt::format("admin.key_ref: {} is unset, empty or unreadable", admin.key_ref)};
    }
    admin.key = std::move(*secret);
  }
  if (admin.key.empty()) return std::nullopt;
  const auto refuse = [&](std::string_view why) {
    return load_error{std::string(source), fmt::format("{}: the admin key {}", source, why)};
  };
  if (admin.key.size() < min_admin_key_bytes)
    return refuse(fmt::format("must be at least {} characters", min_admin_key_bytes));
  for (const char c : admin.key) {
    if (c < 0x21 || c > 0x7E) return refuse("must be printable ASCII without spaces");
  }
  // A tenant's key is never the admin key, not even by copy and paste.
  if (admin.key.starts_with("qg-")) return refuse("must not be a tenant key (qg-…)");
  return std::nullopt;
}

std::optional<load_error> apply_environment(const environment& env, settings& out) {
  for (const auto& key : key_table()) {
    const std::string name = key.env_name();
    auto text = env(name);
    if (key.section == "upstream" && key.name == "base_url" && !text)
      text = env("DASHSCOPE_BASE_URL");
    if (!text) continue;
    auto value = parse_text(key, *text);
    if (!value) {
      return error_for(key, name, fmt::format("\"{}\" is not {}", *text, kind_name(key.kind)));
    }
    if (auto failure = accept(key, std::move(*value), name, out)) return failure;
  }
  if (auto failure = resolve_keys(env, out)) return failure;
  return resolve_admin_key(env, out);
}

std::optional<load_error> apply_cli(const cli_options& cli, settings& out) {
  if (cli.host) {
    if (auto failure = accept(*find_key("server", "host"), raw_value(*cli.host), "--host", out))
      return failure;
  }
  if (cli.port) {
    if (auto failure = accept(*find_key("server", "port"), raw_value(std::int64_t{*cli.port}),
                              "--port", out)) {
      return failure;
    }
  }
  return std::nullopt;
}

}  // namespace

environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<load_error> apply_toml(std::string_view text, const std::string& origin,
                                     settings& out) {
  try {
    const toml::table root = toml::parse(text, origin);
    return apply_table(root, origin, out);
  } catch (const toml::parse_error& failure) {
    const auto& where = failure.source().begin;
    return load_error{"config", fmt::format("{}:{}:{}: {}", origin, where.line, where.column,
                                            failure.description())};
  }
}

load_result load_settings(const cli_options& cli, const environment& env) {
  settings out;
  for (auto* step :
       {+[](const cli_options&c, const environment&e, settings&s) { return apply_file(c, e, s); },
        +[](const cli_options&, const environment&e, settings&s) {
          return apply_environment(e, s);
        },
        +[](const cli_options&c, const environment&, settings&s) { return apply_cli(c, s); }}) {
    if (auto failure = step(cli, env, out)) return {std::nullopt, std::move(failure)};
  }
  return {std::move(out), std::nullopt};
}

std::string describe(const settings& s) {
  const auto& server = s.server;
  const auto& upstream = s.upstream;
  std::string providers;
  for (const auto& p : s.providers) {
    providers += fmt::format(" | provider {} {} {} keys={} models={}", p.name, p.kind, p.base_url,
                             p.keys.size(), fmt::join(p.models, ","));
  }
  return fmt::format(
             "config: server {}:{} io_threads={} busy_poll={}us max_body_bytes={} "
             "max_header_bytes={} "
             "shutdown_grace_ms={} unready_delay_ms={} "
             "header_timeout_ms={} keepalive_timeout_ms={} write_timeout_ms={} "
             "stream_queue_bytes={} "
             "sse_ping_ms={} max_connections={} | upstream {} keys={} connect={}ms first_byte={}ms "
             "idle={}ms total={}ms "
             "max_connections={} max_idle_connections={} max_retries={} retry_deadline={}ms "
             "retry_backoff={}ms retry_wait_max={}ms retry_budget={}%+{} cooldown={}..{}ms "
             "breaker={}x/{}ms fallbacks={} | "
             "catalog {} seed={} "
             "reload={}ms postgres_url=\"{}\" | limits "
             "model_max_concurrency={} ledger_flush_ms={} ledger_max_buffered_rows={} "
             "ledger_spill_path={} redis_url=\"{}\" redis_timeout={}ms redis_slot_ttl={}ms | docs "
             "enabled={} "
             "assets={} openapi={} | metrics access={} | cors allow_origins=\"{}\" | log level={} "
             "format={} access={}",
             server.host, server.port, server.io_threads, server.busy_poll_us,
             server.max_body_bytes, server.max_header_bytes, server.shutdown_grace_ms,
             server.unready_delay_ms, server.header_timeout_ms, server.keepalive_timeout_ms,
             server.write_timeout_ms, server.stream_queue_bytes, server.sse_ping_ms,
             server.max_connections, upstream.base_url, upstream.keys.size(),
             upstream.connect_timeout_ms, upstream.first_byte_timeout_ms, upstream.idle_timeout_ms,
             upstream.total_timeout_ms, upstream.max_connections, upstream.max_idle_connections,
             upstream.max_retries, upstream.retry_deadline_ms, upstream.retry_backoff_ms,
             upstream.retry_wait_max_ms, upstream.retry_budget_percent, upstream.retry_reserve,
             upstream.key_cooldown_ms, upstream.key_cooldown_max_ms, upstream.breaker_failures,
             upstream.breaker_open_ms, upstream.fallbacks.size(), s.catalog.path, s.catalog.seed,
             s.catalog.reload_interval_ms, without_password(s.catalog.postgres_url),
             s.limits.model_max_concurrency, s.limits.ledger_flush_ms,
             s.limits.ledger_max_buffered_rows, s.limits.ledger_spill_path,
             without_password(s.limits.redis_url), s.limits.redis_timeout_ms,
             s.limits.redis_slot_ttl_ms, s.docs.enabled, s.docs.assets_dir, s.docs.openapi,
             s.metrics.access, s.cors.allow_origins, s.log.level,
             s.log.format == log_format::json ? "json" : "text", s.log.access) +
         fmt::format(" | admin api={} console_dir={}", s.admin.key.empty() ? "off" : "on",
                     s.admin.console_dir) +
         providers;
}

std::string without_password(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto authority = scheme + 3;
  const auto end = url.find_first_of("/?#", authority);
  const auto at = url.rfind('@', end == std::string_view::npos ? url.size() : end);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  const auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

}  // namespace qgate::config
