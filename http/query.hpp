// Pure parsing of query strings (only what the API needs).
#pragma once

#include "messages/error.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace qgate::http {

// The raw value of `name` in the target's query string (no percent-decoding: our values are
// dates), or nothing.
std::optional<std::string_view> query_value(std::string_view target, std::string_view name);

// `text` with each %XX replaced by its byte (and, with `plus_is_space`, each '+' by a space, as
// forms and URLSearchParams write a query); nothing when a '%' is not followed by two hex digits.
// The bytes are whatever was encoded: check them before use.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text,
                                                        bool plus_is_space = false);

struct day_range {
  std::string from;
  std::string to;
};

// `from` (required) and `to` (default: from), each YYYY-MM-DD, from ≤ to.
[[nodiscard]] result<day_range> parse_day_range(std::string_view target);

}  // namespace qgate::http
