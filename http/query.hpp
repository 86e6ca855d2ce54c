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

struct day_range {
  std::string from;
  std::string to;
};

// `from` (required) and `to` (default: from), each YYYY-MM-DD, from ≤ to.
[[nodiscard]] result<day_range> parse_day_range(std::string_view target);

}  // namespace qgate::http
