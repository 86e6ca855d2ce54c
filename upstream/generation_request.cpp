#include "upstream/generation_request.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

namespace qgate::upstream {
namespace {

void append_number(std::string& out, std::string_view key, double value) {
  // fmt prints the shortest text that reads back as the same double.
  fmt::format_to(std::back_inserter(out), ",\"{}\":{}", key, value);
}

void append_message(std::string& body, const chat_message& message) {
  body += "{\"role\":\"";
  body += to_string(message.role);
  body += "\",\"content\":";
  append_json_string(body, message.content);
  if (!message.tool_calls.empty()) {
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

void append_flag(std::string& body, std::string_view key, const std::optional<bool>& flag) {
  if (flag) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, *flag);
}

void append_integer(std::string& body, std::string_view key,
                    const std::optional<std::int64_t>& value) {
  if (value) fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, *value);
}

// JSON text a parser already read and re-serialized: forwarded as it is.
void append_raw(std::string& body, std::string_view key, std::string_view json) {
  if (json.empty()) return;
  fmt::format_to(std::back_inserter(body), ",\"{}\":{}", key, json);
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
  if (options.presence_penalty) append_number(body, "presence_penalty", *options.presence_penalty);
  if (options.repetition_penalty) {
    append_number(body, "repetition_penalty", *options.repetition_penalty);
  }
  append_integer(body, "top_k", options.top_k);
  append_raw(body, "tools", options.tools);
  append_raw(body, "tool_choice", options.tool_choice);
  append_flag(body, "parallel_tool_calls", options.parallel_tool_calls);
  append_raw(body, "response_format", options.response_format);
  append_flag(body, "enable_thinking", options.enable_thinking);
  append_integer(body, "thinking_budget", options.thinking_budget);
  append_flag(body, "enable_search", options.enable_search);
}

}  // namespace

std::string generation_url(std::string_view base_url) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  constexpr std::string_view api_root = "/api/v1";
  std::string url(base_url);
  if (base_url.ends_with(api_root)) {
    url += generation_path.substr(api_root.size());
  } else {
    url += generation_path;
  }
  return url;
}

std::string generation_body(const chat_request& request) {
  std::string body;
  body.reserve(128 + request.messages.size() * 48);
  body += "{\"model\":";
  append_json_string(body, request.model);
  body += ",\"input\":{\"messages\":[";
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (i != 0) body += ',';
    append_message(body, request.messages[i]);
  }
  // "message" gives choices[].message for every model; incremental deltas keep frames small.
  body += "]},\"parameters\":{\"result_format\":\"message\"";
  body += request.stream ? ",\"incremental_output\":true" : ",\"incremental_output\":false";
  if (request.temperature) append_number(body, "temperature", *request.temperature);
  if (request.top_p) append_number(body, "top_p", *request.top_p);
  append_integer(body, "max_tokens", request.max_tokens);
  append_options(body, request.options);
  body += "}}";
  return body;
}

http_call build_generation_call(const chat_request& request, std::string_view base_url,
                                std::string_view api_key) {
  http_call call;
  call.url = generation_url(base_url);
  call.body = generation_body(request);
  call.stream = request.stream;
  call.headers.push_back(fmt::format("Authorization: Bearer {}", api_key));
  call.headers.emplace_back("Content-Type: application/json");
  if (request.stream) {
    // The docs name both switches as alternatives; real clients send both.
    call.headers.emplace_back("Accept: text/event-stream");
    call.headers.emplace_back("X-DashScope-SSE: enable");
  } else {
    call.headers.emplace_back("Accept: application/json");
  }
  if (!request.request_id.empty()) {
    call.headers.push_back(fmt::format("X-Request-Id: {}", request.request_id));
  }
  return call;
}

}  // namespace qgate::upstream
