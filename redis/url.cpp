#include "redis/url.hpp"

#include <charconv>
#include <limits>

namespace qgate::redis {
namespace {

constexpr std::string_view scheme = "redis://";
constexpr std::string_view tls_scheme = "rediss://";
constexpr std::int64_t max_db = 1'000'000;  // far above Redis's `databases` (16 by default)

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding of the user and password; false on a broken escape.
bool decode(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

template <class Int>
bool parse_number(std::string_view text, Int& out, Int max) {
  if (text.empty()) return false;
  Int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < 0 || value > max)
    return false;
  out = value;
  return true;
}

error bad_url(std::string why) {
  return make_error(errc::invalid_params, "redis url: " + std::move(why), "limits.redis_url");
}

}  // namespace

std::string endpoint::describe() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + "/" + std::to_string(db);
}

result<endpoint> parse_url(std::string_view url) {
  if (url.starts_with(tls_scheme)) return bad_url("TLS not supported by this hiredis (0.14)");
  if (!url.starts_with(scheme)) return bad_url("expected redis://[:password@]host:port[/db]");
  std::string_view rest = url.substr(scheme.size());
  endpoint out;
  std::string_view path;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  // The password may hold '@' unescaped: the host starts after the last one.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string_view::npos)
      return bad_url("credentials need a ':' (redis://:password@host or user:password@host)");
    if (!decode(credentials.substr(0, colon), out.user) ||
        !decode(credentials.substr(colon + 1), out.password))
      return bad_url("broken %-escape in the credentials");
  }
  std::string_view port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad_url("unclosed [ in the host");
    out.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad_url("junk after the host");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (out.host.empty()) return bad_url("no host");
  if (!port.empty() &&
      (!parse_number<std::uint16_t>(port, out.port, std::numeric_limits<std::uint16_t>::max()) ||
       out.port == 0))
    return bad_url("port must be 1-65535");
  if (!path.empty() && !parse_number<std::int64_t>(path, out.db, max_db))
    return bad_url("database must be a number");
  return out;
}

}  // namespace qgate::redis
