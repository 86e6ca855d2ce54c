// Hand-written on purpose: a CLI library header costs more compile time than the whole mock.
#include "tools/mock_dashscope/mock_cli.hpp"

#include <charconv>
#include <string_view>

namespace qgate::mock {
namespace {

constexpr std::string_view usage =
    "usage: mock_dashscope [options]\n"
    "  --host ADDRESS            listen address (127.0.0.1)\n"
    "  --port N                  listen port, 0 for any free port (0)\n"
    "  --threads N               I/O threads (1)\n"
    "  --api-key KEY             an accepted Bearer key; repeatable (sk-qgate-mock)\n"
    "  --revoked-key KEY         a key answered 401 until restored; repeatable\n"
    "  --key-quota KEY=N         KEY is answered N generation requests per window, then 429;\n"
    "                            repeatable\n"
    "  --quota-window-ms MS      the rolling window of --key-quota (60000)\n"
    "  --chunks N                content events before the final one (8)\n"
    "  --chunk-interval-ms MS    pause between events (0)\n"
    "  --first-byte-ms MS        delay before the first byte (0)\n"
    "  --record N                requests kept for GET /mock/requests (1000)\n";

template <typename Int>
bool parse_int(std::string_view text, long long low, long long high, Int& into) {
  long long value = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec != std::errc{} || parsed.ptr != end || value < low || value > high) return false;
  into = static_cast<Int>(value);
  return true;
}

// KEY=N, split at the last '=' so a key may contain one.
bool parse_quota(std::string_view value, options& o) {
  const auto equals = value.rfind('=');
  if (equals == std::string_view::npos || equals == 0) return false;
  std::int64_t limit = 0;
  if (!parse_int(value.substr(equals + 1), 0, max_key_quota, limit)) return false;
  o.key_quotas.emplace_back(value.substr(0, equals), limit);
  return true;
}

// Applies one option; false when the name is unknown or the value out of range. The first
// --api-key replaces the default key, later ones add to it.
bool apply(options& o, bool& keys_given, std::string_view name, std::string_view value) {
  if (name == "--host") {
    o.host = value;
    return !value.empty();
  }
  if (name == "--api-key") {
    if (!keys_given) o.api_keys.clear();
    keys_given = true;
    o.api_keys.emplace_back(value);
    return !value.empty();
  }
  if (name == "--revoked-key") {
    o.revoked_keys.emplace_back(value);
    return !value.empty();
  }
  if (name == "--key-quota") return parse_quota(value, o);
  if (name == "--quota-window-ms") {
    return parse_int(value, 1, max_quota_window_ms, o.quota_window_ms);
  }
  if (name == "--port") return parse_int(value, 0, 65535, o.port);
  if (name == "--threads") return parse_int(value, 1, 64, o.threads);
  if (name == "--chunks") return parse_int(value, 1, max_chunks, o.chunks);
  if (name == "--chunk-interval-ms") return parse_int(value, 0, max_delay_ms, o.chunk_interval_ms);
  if (name == "--first-byte-ms") return parse_int(value, 0, max_delay_ms, o.first_byte_ms);
  if (name == "--record") return parse_int(value, 0, 100000000, o.record);
  return false;
}

}  // namespace

cli_result parse_cli(int argc, const char* const* argv) {
  options o;
  bool keys_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view name = argv[i];
    if (name == "--help" || name == "-h") return {std::nullopt, std::string(usage), true};
    std::string_view value;
    if (const auto equals = name.find('='); equals != std::string_view::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return {std::nullopt, "missing value for " + std::string(name) + "\n" + std::string(usage)};
    }
    if (!apply(o, keys_given, name, value)) {
      return {std::nullopt, "bad option " + std::string(name) + " " + std::string(value) + "\n" +
                                std::string(usage)};
    }
  }
  return {std::move(o), {}};
}

}  // namespace qgate::mock
