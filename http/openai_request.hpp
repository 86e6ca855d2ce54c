// Pure parsing and validation of an OpenAI Chat Completions body (POST /v1/chat/completions)
// into the gateway's chat request. Errors name the field (`error::param`) in OpenAI's manner; what
// DashScope cannot do is refused with a 400 rather than silently dropped.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"

#include <string_view>

namespace qgate::http {

struct openai_chat {
  chat_request request;
  bool include_usage = false;  // stream_options.include_usage: a last chunk with the usage
};

[[nodiscard]] result<openai_chat> parse_openai_chat(std::string_view body);

}  // namespace qgate::http
