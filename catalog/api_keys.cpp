#include "catalog/api_keys.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace qgate::catalog {

result<std::string> generate_api_key() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return make_error(errc::internal_error, "the OS random generator failed");
  }
  std::array<unsigned char, 4 * ((32 + 2) / 3) + 1> encoded{};
  const int length =
      EVP_EncodeBlock(encoded.data(), random.data(), static_cast<int>(random.size()));
  std::string key(api_key_prefix);
  // OpenSSL writes standard base64; keys travel in headers and URLs, so map it to base64url.
  for (int i = 0; i < length; ++i) {
    const char c = static_cast<char>(encoded[static_cast<std::size_t>(i)]);
    if (c == '=') break;
    key += c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return key;
}

std::string hash_api_key(std::string_view key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  text.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 0x0F];
  }
  return text;
}

std::string visible_prefix(std::string_view key) {
  return std::string(key.substr(0, std::min(key.size(), visible_key_prefix_length)));
}

}  // namespace qgate::catalog
