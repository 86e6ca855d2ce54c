// The two list-valued upstream settings, parsed: weighted key lists ("a*3, b") and model
// fallback chains ("qwen-max: qwen-plus, qwen-turbo; qwen-plus: qwen-turbo"). Pure.
#pragma once

#include "messages/error.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::config {

struct weighted_item {
  std::string value;
  int weight = 1;
};

inline constexpr int max_key_weight = 1000;

// Comma-separated items, each `value` or `value*weight` (weight 1..1000); empty items refused.
[[nodiscard]] result<std::vector<weighted_item>> parse_weighted_list(std::string_view text);

using fallback_chains = std::map<std::string, std::vector<std::string>, std::less<>>;

// `model: next, next; model: next`; a model listed twice, a chain through itself, or an empty
// name is refused. The chains are followed one step at a time: qwen-max's chain is its own list.
[[nodiscard]] result<fallback_chains> parse_fallbacks(std::string_view text);

}  // namespace qgate::config
