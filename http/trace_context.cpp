#include "http/trace_context.hpp"

#include "http/random_hex.hpp"

namespace qgate::http {
namespace {

constexpr std::size_t v00_size = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

bool lower_hex(std::string_view text) noexcept {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zeros(std::string_view text) noexcept { return text.find_first_not_of('0') == text.npos; }

}  // namespace

bool valid_traceparent(std::string_view value) noexcept {
  if (value.size() < v00_size) return false;
  const auto version = value.substr(0, 2);
  if (!lower_hex(version) || version == "ff") return false;
  if (version == "00" ? value.size() != v00_size
                      : value.size() > v00_size && value[v00_size] != '-') {
    return false;
  }
  if (value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  const auto trace_id = value.substr(3, 32);
  const auto parent_id = value.substr(36, 16);
  const auto flags = value.substr(53, 2);
  return lower_hex(trace_id) && lower_hex(parent_id) && lower_hex(flags) && !all_zeros(trace_id) &&
         !all_zeros(parent_id);
}

std::string traceparent_for(std::string_view incoming) {
  if (valid_traceparent(incoming)) return "00" + std::string(incoming.substr(2, v00_size - 2));
  // One string, filled in place: 00-<trace-id>-<parent-id>-00.
  std::string made = "00-00000000000000000000000000000000-0000000000000000-00";
  fill_random_hex(std::span{made}.subspan(3, 32));
  fill_random_hex(std::span{made}.subspan(36, 16));
  return made;
}

}  // namespace qgate::http
