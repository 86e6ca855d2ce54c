#include "http/cors_policy.hpp"

#include <algorithm>

namespace qgate::http {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text;
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

std::optional<std::string> cors_policy::allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  if (any_) return std::string("*");
  if (std::find(origins_.begin(), origins_.end(), origin) != origins_.end())
    return std::string(origin);
  return std::nullopt;
}

}  // namespace qgate::http
