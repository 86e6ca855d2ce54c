#include "upstream/request_parts.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::upstream {

void append_number(std::string& body, std::string_view key, const std::optional<double>& value) {
  // fmt prints the shortest text that reads back as the same double.
  if (value) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, *value);
}

void append_integer(std::string& body, std::string_view key,
                    const std::optional<std::int64_t>& value) {
  if (value) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, *value);
}

void append_flag(std::string& body, std::string_view key, const std::optional<bool>& flag) {
  if (flag) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, *flag);
}

void append_raw(std::string& body, std::string_view key, std::string_view json) {
  if (!json.empty()) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, json);
}

void append_message(std::string& body, const chat_message& message, bool null_tool_call_content) {
  const bool called_tools = message.role == chat_role::assistant && !message.tool_calls.empty();
  body += "{\"role\":\"";
  body += to_string(message.role);
  body += "\",\"content\":";
  if (called_tools && message.content.empty() && null_tool_call_content) {
    body += "null";
  } else {
    append_json_string(body, message.content);
  }
  if (called_tools) {
    body += ",\"tool_calls\":[";
    for (std::size_t i = 0; i < message.tool_calls.size(); ++i) {
      const auto& call = message.tool_calls[i];
      if (i != 0) body += ',';
      body += "{\"id\":";
      append_json_string(body, call.id);
      body += ",\"type\":\"function\",\"function\":{\"name\":";
      append_json_string(body, call.name);
      body += ",\"arguments\":";
      append_json_string(body, call.arguments);
      body += "}}";
    }
    body += ']';
  }
  if (message.role == chat_role::tool) {
    body += ",\"tool_call_id\":";
    append_json_string(body, message.tool_call_id);
  }
  body += '}';
}

void append_options(std::string& body, const generation_options& options) {
  if (!options.stop.empty()) {
    body += ",\"stop\":[";
    for (std::size_t i = 0; i < options.stop.size(); ++i) {
      if (i != 0) body += ',';
      append_json_string(body, options.stop[i]);
    }
    body += ']';
  }
  append_integer(body, "seed", options.seed);
  append_number(body, "presence_penalty", options.presence_penalty);
  append_number(body, "repetition_penalty", options.repetition_penalty);
  append_integer(body, "top_k", options.top_k);
  append_raw(body, "tools", options.tools);
  append_raw(body, "tool_choice", options.tool_choice);
  append_flag(body, "parallel_tool_calls", options.parallel_tool_calls);
  append_raw(body, "response_format", options.response_format);
  append_flag(body, "enable_thinking", options.enable_thinking);
  append_integer(body, "thinking_budget", options.thinking_budget);
  append_flag(body, "enable_search", options.enable_search);
}

}  // namespace qgate::upstream
