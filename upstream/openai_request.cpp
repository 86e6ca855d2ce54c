// Builds OpenAI-compatible chat-completions calls: URL, headers and JSON body.
#include "upstream/openai_request.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::upstream {
namespace {

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

// JSON text a parser already read and re-serialized: forwarded as it is.
void append_raw(std::string& body, std::string_view key, std::string_view json) {
  if (!json.empty()) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, json);
}

void append_tool_calls(std::string& body, const std::vector<tool_call>& calls) {
  body += ",\"tool_calls\":[";
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i != 0) body += ',';
    body += "{\"id\":";
    append_json_string(body, calls[i].id);
    body += ",\"type\":\"function\",\"function\":{\"name\":";
    append_json_string(body, calls[i].name);
    body += ",\"arguments\":";
    append_json_string(body, calls[i].arguments);
    body += "}}";
  }
  body += ']';
}

void append_message(std::string& body, const chat_message& message) {
  body += "{\"role\":\"";
  body += to_string(message.role);
  body += "\",\"content\":";
  // OpenAI's form of an assistant turn that only called tools.
  if (message.role == chat_role::assistant && message.content.empty() &&
      !message.tool_calls.empty()) {
    body += "null";
  } else {
    append_json_string(body, message.content);
  }
  if (message.role == chat_role::assistant && !message.tool_calls.empty()) {
    append_tool_calls(body, message.tool_calls);
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
  append_raw(body, "tools", options.tools);
  append_raw(body, "tool_choice", options.tool_choice);
  append_flag(body, "parallel_tool_calls", options.parallel_tool_calls);
  append_raw(body, "response_format", options.response_format);
  // Qwen's extras: top-level keys in DashScope's compatible mode (OpenAI SDKs' extra_body).
  append_flag(body, "enable_thinking", options.enable_thinking);
  append_integer(body, "thinking_budget", options.thinking_budget);
  append_flag(body, "enable_search", options.enable_search);
  append_integer(body, "top_k", options.top_k);
  append_number(body, "repetition_penalty", options.repetition_penalty);
}

}  // namespace

std::string openai_chat_url(std::string_view base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  std::string url(base_url);
  if (!base_url.ends_with("/v1")) url += "/v1";
  url += openai_chat_path;
  return url;
}

std::string openai_chat_body(const chat_request& request) {
  std::string body;
  body.reserve(128 + request.messages.size() * 48);
  body += "{\"model\":";
  append_json_string(body, request.model);
  body += ",\"messages\":[";
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (i != 0) body += ',';
    append_message(body, request.messages[i]);
  }
  body += ']';
  // Without include_usage a stream reports no usage at all.
  body += request.stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"
                         : ",\"stream\":false";
  append_number(body, "temperature", request.temperature);
  append_number(body, "top_p", request.top_p);
  append_integer(body, "max_tokens", request.max_tokens);
  append_options(body, request.options);
  body += '}';
  return body;
}

http_call build_openai_call(const chat_request& request, std::string_view base_url,
                            std::string_view api_key) {
  http_call call;
  call.kind = provider_kind::openai;
  call.url = openai_chat_url(base_url);
  call.body = openai_chat_body(request);
  call.stream = request.stream;
  if (!api_key.empty()) call.headers.push_back(fmt::format("Authorization: Bearer {}", api_key));
  call.headers.emplace_back("Content-Type: application/json");
  call.headers.emplace_back(request.stream ? "Accept: text/event-stream"
                                           : "Accept: application/json");
  if (!request.request_id.empty()) {
    call.headers.push_back(fmt::format("X-Request-Id: {}", request.request_id));
  }
  return call;
}

}  // namespace qgate::upstream
