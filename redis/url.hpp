// A Redis URL taken apart (pure): redis://[:password@|user:password@]host:port[/db].
#pragma once

#include "messages/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace qgate::redis {

struct endpoint {
  std::string host;  // without the brackets of an IPv6 literal
  std::uint16_t port = 6379;
  std::string user;      // empty: AUTH with the password only (or no AUTH)
  std::string password;  // empty: no AUTH
  std::int64_t db = 0;

  // host:port/db, for logs: never the password.
  [[nodiscard]] std::string describe() const;
};

// rediss:// is refused: Debian's hiredis 0.14 has no TLS, and a silently plain connection is
// worse than none. Errors never repeat the password.
[[nodiscard]] result<endpoint> parse_url(std::string_view url);

}  // namespace qgate::redis
