#include "http/random_hex.hpp"

#include <cstdint>
#include <random>

namespace qgate::http {

std::string random_hex(std::size_t digits) {
  thread_local std::mt19937_64 generator{[] {
    std::random_device entropy;
    std::seed_seq seed{entropy(), entropy(), entropy(), entropy()};
    return std::mt19937_64{seed};
  }()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(digits, '0');
  while (id.find_first_not_of('0') == std::string::npos && digits > 0) {
    for (std::size_t at = 0; at < digits; at += 16) {
      std::uint64_t bits = generator();
      for (std::size_t i = at; i < digits && i < at + 16; ++i, bits >>= 4) id[i] = hex[bits & 0xF];
    }
  }
  return id;
}

}  // namespace qgate::http
