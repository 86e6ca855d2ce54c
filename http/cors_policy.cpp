#include "http/cors_policy.hpp"

#include <algorithm>
#include <cctype>

namespace qgate::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text;
}

// The next comma-separated item of `rest`, trimmed; `rest` moves past it.
std::string_view next_item(std::string_view& rest) {
  const auto comma = rest.find(',');
  auto item = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
  while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
  return item;
}

// Whether qgate's own list already names the header (names are case-insensitive).
bool listed(std::string_view name) {
  std::string_view rest = cors_allowed_headers;
  while (!rest.empty()) {
    const auto item = next_item(rest);
    if (item.size() == name.size() &&
        std::equal(item.begin(), item.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

}  // namespace

cors_policy::cors_policy(std::string_view allow_origins) {
  while (!allow_origins.empty()) {
    const auto comma = allow_origins.find(',');
    const auto origin = trim(allow_origins.substr(0, comma));
    if (origin == "*") {
      any_ = true;
    } else if (!origin.empty()) {
      origins_.emplace_back(origin);
    }
    if (comma == std::string_view::npos) break;
    allow_origins.remove_prefix(comma + 1);
  }
}

std::string allowed_headers_for(std::string_view requested) {
  constexpr std::size_t max_names = 32;
  constexpr std::size_t max_name_bytes = 64;
  std::string allowed(cors_allowed_headers);
  std::size_t added = 0;
  while (!requested.empty() && added < max_names) {
    const auto name = next_item(requested);
    const bool plain =
        !name.empty() && name.size() <= max_name_bytes &&
        std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        });
    if (!plain || listed(name)) continue;
    allowed += ", ";
    allowed += name;
    ++added;
  }
  return allowed;
}

std::optional<std::string> cors_policy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  if (any_) return std::string("*");
  if (std::find(origins_.begin(), origins_.end(), origin) != origins_.end())
    return std::string(origin);
  return std::nullopt;
}

}  // namespace qgate::http
