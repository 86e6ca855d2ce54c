// Pure translation of a client chat request into a DashScope native text-generation call.
#pragma once

#include "messages/chat.hpp"
#include "upstream/http_call.hpp"

#include <string>
#include <string_view>

namespace qgate::upstream {

inline constexpr std::string_view generation_path =
    "/api/v1/services/aigc/text-generation/generation";

// The URL for a base such as `https://dashscope.aliyuncs.com` (or one already ending in /api/v1).
std::string generation_url(std::string_view base_url);

std::string generation_body(const chat_request& request);

http_call build_generation_call(const chat_request& request, std::string_view base_url,
                                std::string_view api_key);

}  // namespace qgate::upstream
