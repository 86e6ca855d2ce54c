#include "http/random_hex.hpp"

#include <cstdint>
#include <random>

namespace qgate::http {

void fill_random_hex(std::span<char> out) {
  thread_local std::mt19937_64 generator{[] {
    std::random_device entropy;
    std::seed_seq seed{entropy(), entropy(), entropy(), entropy()};
    return std::mt19937_64{seed};
  }()};
  static constexpr char hex[] = "0123456789abcdef";
  const std::string_view text(out.data(), out.size());
  do {
    for (std::size_t at = 0; at < out.size(); at += 16) {
      std::uint64_t bits = generator();
      for (std::size_t i = at; i < out.size() && i < at + 16; ++i, bits >>= 4) {
        out[i] = hex[bits & 0xF];
      }
    }
  } while (!out.empty() && text.find_first_not_of('0') == std::string_view::npos);
}

std::string random_hex(std::size_t digits) {
  std::string id(digits, '0');
  fill_random_hex(id);
  return id;
}

}  // namespace qgate::http
