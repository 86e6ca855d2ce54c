// Pure parsing and validation of a client's POST /api/llm/chat body.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"

#include <string_view>

namespace qgate::http {

// Limits of the spec: temperature [0, 2), top_p (0, 1], max_tokens ≥ 1, ≥ 1 message.
inline constexpr std::int64_t max_tokens_limit = 1'000'000;

[[nodiscard]] result<chat_request> parse_chat_request(std::string_view body);

}  // namespace qgate::http
