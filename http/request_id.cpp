#include "http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace qgate::http {
namespace {

constexpr std::size_t max_client_id_length = 128;

std::string random_id() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    for (std::size_t i = 0; i < 16; ++i, bits >>= 4) id[half * 16 + i] = hex[bits & 0xF];
  }
  return id;
}

}  // namespace

std::string pick_request_id(std::string_view given) {
  // Only visible ASCII is echoed: the id goes into logs and response headers.
  const bool sane =
      !given.empty() && given.size() <= max_client_id_length &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  return sane ? std::string(given) : random_id();
}

}  // namespace qgate::http
