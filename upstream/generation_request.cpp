#include "upstream/generation_request.hpp"

#include "messages/json_escape.hpp"
#include "upstream/request_parts.hpp"

#include <fmt/format.h>

namespace qgate::upstream {

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
    append_message(body, request.messages[i], false);
  }
  // "message" gives choices[].message for every model; incremental deltas keep frames small.
  body += "]},\"parameters\":{\"result_format\":\"message\"";
  body += request.stream ? ",\"incremental_output\":true" : ",\"incremental_output\":false";
  append_number(body, "temperature", request.temperature);
  append_number(body, "top_p", request.top_p);
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
