// Which web origins may call the API from a browser (CORS), from `cors.allow_origins`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::http {

inline constexpr std::string_view cors_allowed_methods = "GET, POST, OPTIONS";
inline constexpr std::string_view cors_allowed_headers =
    "Content-Type, Authorization, X-API-Key, X-Request-Id";
inline constexpr std::string_view cors_exposed_headers =
    "X-Request-Id, Retry-After, X-RateLimit-Limit-Requests, X-RateLimit-Remaining-Requests, "
    "X-RateLimit-Limit-Tokens, X-RateLimit-Remaining-Tokens, X-Qgate-Model";
inline constexpr std::string_view cors_max_age = "600";

// The Access-Control-Allow-Headers of a preflight: qgate's own list, plus the headers the browser
// asks for (Access-Control-Request-Headers) when each is a plain header name. Clients such as the
// openai SDK send headers of their own (`x-stainless-*`); a fixed list would fail their preflight.
// At most 32 extra names of at most 64 characters; anything else in the request is left out.
[[nodiscard]] std::string allowed_headers_for(std::string_view requested);

class cors_policy {
 public:
  // A comma-separated list of origins (`https://app.example.com`), `*` for any, empty for none.
  explicit cors_policy(std::string_view allow_origins = {});

  // The Access-Control-Allow-Origin value for a request's Origin, or nothing when not allowed.
  std::optional<std::string> allow(std::string_view origin) const;

 private:
  bool any_ = false;
  std::vector<std::string> origins_;
};

}  // namespace qgate::http
