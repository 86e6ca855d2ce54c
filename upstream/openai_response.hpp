// Pure parsers of OpenAI-compatible answers: one stream chunk, or a whole chat completion.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "upstream/call_decoder.hpp"

#include <string_view>

namespace qgate::upstream {

// One `data:` chunk of a chat-completions stream.
struct openai_chunk {
  // choices[0].delta: content, reasoning_content, tool-call fragments; its finish_reason; and the
  // chunk's usage when it has one.
  chat_delta step;
  bool has_usage = false;
  bool is_error = false;  // an `{"error":{...}}` event instead: read it with openai_error_value
};

[[nodiscard]] result<openai_chunk> parse_openai_chunk(std::string_view data);

// A whole 200 body: the chat_completion, an error (unparsable, or the error object some servers
// answer 200 with), or moderation as a content_filter completion.
[[nodiscard]] decoded parse_openai_answer(std::string_view body);

}  // namespace qgate::upstream
