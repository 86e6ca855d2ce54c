// The admin API's routes and request bodies, parsed into msg::admin_request (pure: no I/O).
// Route-level refusals (404, 405 + Allow) are answered at once; a request whose route is right but
// whose input is not (400, 413) carries its error to the gateway, which answers it only to the
// operator (admin_request::invalid).
#pragma once

#include "messages/admin.hpp"
#include "messages/error.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace qgate::http {

// A tenant's JSON is a few hundred bytes; a full allow-list a few tens of KB.
inline constexpr std::size_t max_admin_body_bytes = 64 << 10;
inline constexpr std::string_view admin_console_path = "/admin/console";

struct admin_parse {
  admin_request request;
  std::optional<error> refused;  // 404 or 405: no such route
  std::string_view allow;        // with 405: the Allow header's value
};

// `target` in origin form (path and query), `method` as sent.
[[nodiscard]] admin_parse parse_admin_request(std::string_view method, std::string_view target,
                                              std::string_view body);

// /admin/console and the files under it (served as static assets, no key needed).
[[nodiscard]] bool is_console_path(std::string_view path) noexcept;

// The token of `Authorization: Bearer <token>` (scheme in any case), or "" (the admin API takes no
// X-API-Key: that header is the tenants').
[[nodiscard]] std::string_view bearer_token(std::string_view authorization) noexcept;

}  // namespace qgate::http
