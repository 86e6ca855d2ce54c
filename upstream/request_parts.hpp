// The JSON both providers' request builders write alike: optional fields, a message with its tool
// calls, and the generation options (DashScope's parameters and OpenAI's body use the same names).
#pragma once

#include "messages/chat.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::upstream {

// Each writes `,"key":value`, or nothing when the value is not given.
void append_number(std::string& body, std::string_view key, const std::optional<double>& value);
void append_integer(std::string& body, std::string_view key,
                    const std::optional<std::int64_t>& value);
void append_flag(std::string& body, std::string_view key, const std::optional<bool>& flag);
// JSON text a parser already read and re-serialized: forwarded as it is.
void append_raw(std::string& body, std::string_view key, std::string_view json);

// A message with its tool calls and tool_call_id. An assistant turn that only called tools has
// content "" (DashScope's form) or, with `null_tool_call_content`, null (OpenAI's).
void append_message(std::string& body, const chat_message& message, bool null_tool_call_content);

// stop, seed, the penalties, top_k, tools, tool_choice, parallel_tool_calls, response_format and
// the Qwen extras (enable_thinking, thinking_budget, enable_search).
void append_options(std::string& body, const generation_options& options);

}  // namespace qgate::upstream
