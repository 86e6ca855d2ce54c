#include "http/request_id.hpp"

#include "http/random_hex.hpp"

#include <algorithm>

namespace qgate::http {
namespace {

constexpr std::size_t max_client_id_length = 128;

}  // namespace

std::string pick_request_id(std::string_view given) {
  // Only visible ASCII is echoed: the id goes into logs and response headers.
  const bool sane =
      !given.empty() && given.size() <= max_client_id_length &&
      std::all_of(given.begin(), given.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  return sane ? std::string(given) : random_hex(32);
}

}  // namespace qgate::http
