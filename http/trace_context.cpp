#include "http/trace_context.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdint>

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

std::string random_hex(std::size_t bytes) {
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    // The pool failing is not worth a failed call: a trace id only has to be unlikely to repeat.
    static thread_local std::uint64_t counter = 0;
    for (std::size_t i = 0; i < bytes; ++i)
      raw[i] = static_cast<unsigned char>((++counter * 0x9e3779b97f4a7c15ULL) >> 56);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out += digits[raw[i] >> 4];
    out += digits[raw[i] & 0xf];
  }
  return out;
}

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
  return "00-" + random_hex(16) + "-" + random_hex(8) + "-00";
}

}  // namespace qgate::http
