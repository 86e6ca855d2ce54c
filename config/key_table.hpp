// The one declaration of every configuration key: its type, its range and where it lands.
#pragma once

#include "config/settings.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qgate::config {

enum class value_kind { integer, boolean, text };

using raw_value = std::variant<std::int64_t, bool, std::string>;

struct key_spec {
  std::string_view section;
  std::string_view name;
  value_kind kind;
  std::int64_t min = 0;
  std::int64_t max = 0;
  // Extra check for text values; returns what is allowed when the value is refused.
  std::function<std::optional<std::string>(const std::string&)> check_text;
  std::function<void(settings&, const raw_value&)> apply;

  std::string dotted() const { return std::string(section) + "." + std::string(name); }
  std::string env_name() const;
};

const std::vector<key_spec>& key_table();

}  // namespace qgate::config
