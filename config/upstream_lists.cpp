#include "config/upstream_lists.hpp"

#include <algorithm>
#include <charconv>

namespace qgate::config {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Splits on `separator`, trimming each piece.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    pieces.push_back(trim(text.substr(start, end - start)));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

error invalid(std::string detail) { return make_error(errc::invalid_params, std::move(detail)); }

}  // namespace

result<std::vector<weighted_item>> parse_weighted_list(std::string_view text) {
  std::vector<weighted_item> items;
  if (trim(text).empty()) return items;
  for (const auto piece : split(text, ',')) {
    if (piece.empty()) return invalid("an empty item in the list");
    weighted_item item;
    const auto star = piece.rfind('*');
    std::string_view value = piece;
    if (star != std::string_view::npos) {
      const auto weight = trim(piece.substr(star + 1));
      value = trim(piece.substr(0, star));
      const auto [end, ec] =
          std::from_chars(weight.data(), weight.data() + weight.size(), item.weight);
      if (ec != std::errc{} || end != weight.data() + weight.size() || item.weight < 1 ||
          item.weight > max_key_weight) {
        return invalid("a weight must be a whole number from 1 to 1000");
      }
    }
    if (value.empty()) return invalid("an empty item in the list");
    item.value = value;
    items.push_back(std::move(item));
  }
  return items;
}

result<fallback_chains> parse_fallbacks(std::string_view text) {
  fallback_chains chains;
  if (trim(text).empty()) return chains;
  for (const auto rule : split(text, ';')) {
    if (rule.empty()) continue;  // a trailing `;`
    const auto colon = rule.find(':');
    if (colon == std::string_view::npos) return invalid("each chain is `model: next, next`");
    const auto model = trim(rule.substr(0, colon));
    if (model.empty()) return invalid("a chain without its model");
    if (chains.contains(model))
      return invalid("the model " + std::string(model) + " has two chains");
    std::vector<std::string> next;
    for (const auto fallback : split(rule.substr(colon + 1), ',')) {
      if (fallback.empty()) return invalid("an empty model in the chain of " + std::string(model));
      if (fallback == model || std::find(next.begin(), next.end(), fallback) != next.end()) {
        return invalid("the chain of " + std::string(model) + " repeats a model");
      }
      next.emplace_back(fallback);
    }
    chains.emplace(std::string(model), std::move(next));
  }
  return chains;
}

}  // namespace qgate::config
