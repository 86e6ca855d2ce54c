// Builds OpenAI-compatible chat-completions calls: URL, headers and JSON body.
#include "upstream/openai_request.hpp"

#include "messages/json_escape.hpp"
#include "upstream/request_parts.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::upstream {

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
    append_message(body, request.messages[i], true);
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
