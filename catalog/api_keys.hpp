// Tenant API keys: generated from the OS's randomness, stored only as SHA-256.
#pragma once

#include "messages/error.hpp"

#include <string>
#include <string_view>

namespace qgate::catalog {

inline constexpr std::string_view api_key_prefix = "qg-";
inline constexpr std::size_t visible_key_prefix_length = 10;  // "qg-" + 7 characters, for people

// "qg-" + 32 random bytes, base64url without padding.
[[nodiscard]] result<std::string> generate_api_key();

// Lower-case hex SHA-256; the same work for every key of a given length.
std::string hash_api_key(std::string_view key);

std::string visible_prefix(std::string_view key);

}  // namespace qgate::catalog
