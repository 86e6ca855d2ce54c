// The /mock/* control endpoints: the request log, the stats and the key switches tests flip.
#include "tools/mock_dashscope/mock_render.hpp"
#include "tools/mock_dashscope/mock_routes.hpp"

#include "messages/json_escape.hpp"

#include <optional>

namespace qgate::mock {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The percent-decoded value of `name` in the target's query; nullopt when absent or badly
// encoded.
std::optional<std::string> query_value(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos || pair.substr(0, equals) != name) continue;
    const std::string_view raw = pair.substr(equals + 1);
    std::string value;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        value += ' ';
      } else if (raw[i] != '%') {
        value += raw[i];
      } else {
        if (i + 2 >= raw.size()) return std::nullopt;
        const int high = hex_value(raw[i + 1]);
        const int low = hex_value(raw[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        value += static_cast<char>(high * 16 + low);
        i += 2;
      }
    }
    return value;
  }
  return std::nullopt;
}

script control_error(int status, std::string_view code, std::string_view message, bool keep_alive) {
  return reply(status, error_json({status, std::string(code), std::string(message)}, "-"), "-",
               keep_alive);
}

// POST /mock/keys/revoke?key=K and /mock/keys/restore?key=K.
script switch_key(const incoming& in, mock_state& state, bool revoke) {
  if (in.method != "POST") {
    return control_error(405, "MethodNotAllowed", "use POST", in.keep_alive);
  }
  const auto key = query_value(in.target, "key");
  if (!key || key->empty()) {
    return control_error(400, "InvalidParameter", "the query needs key=<the key>", in.keep_alive);
  }
  if (revoke) {
    state.keys().revoke(*key);
  } else {
    state.keys().restore(*key);
  }
  std::string body = R"({"key":)";
  append_json_string(body, key_fingerprint(*key));
  body += revoke ? R"(,"revoked":true})" : R"(,"revoked":false})";
  return reply(200, body, "-", in.keep_alive);
}

}  // namespace

script plan_control(const incoming& in, mock_state& state) {
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  if (path == "/mock/stats") return reply(200, state.stats_json(), "-", in.keep_alive);
  if (path == "/mock/requests") {
    if (in.method == "DELETE") {
      state.clear_records();
      return reply(200, R"({"cleared":true})", "-", in.keep_alive);
    }
    return reply(200, state.records_json(), "-", in.keep_alive);
  }
  if (path == "/mock/keys/revoke") return switch_key(in, state, true);
  if (path == "/mock/keys/restore") return switch_key(in, state, false);
  return control_error(404, "NotFound", "no such control endpoint", in.keep_alive);
}

}  // namespace qgate::mock
