// Builds the request once: the prompt is filler text of the requested size, so that body size is
// a knob of the load and not a property of the test data.
#include "tools/loadgen/run_options.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>

namespace qgate::loadgen {

std::string effective_path(const run_options& o) {
  if (!o.path.empty()) return o.path;
  switch (o.target) {
    case sse_dialect::gateway:
      return "/api/llm/chat";
    case sse_dialect::dashscope:
      return "/api/v1/services/aigc/text-generation/generation";
    case sse_dialect::openai:
      return "/v1/chat/completions";
  }
  return "/api/llm/chat";
}

std::optional<std::string> resolve_host(run_options& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(o.host.c_str(), nullptr, &hints, &found); rc != 0) {
    return "cannot resolve " + o.host + ": " + gai_strerror(rc);
  }
  // IPv4 first: "localhost" often lists ::1 first while servers commonly bind 127.0.0.1.
  const addrinfo* chosen = found;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      chosen = a;
      break;
    }
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  const void* address =
      chosen->ai_family == AF_INET6
          ? static_cast<const void*>(
                &reinterpret_cast<const sockaddr_in6*>(chosen->ai_addr)->sin6_addr)
          : static_cast<const void*>(
                &reinterpret_cast<const sockaddr_in*>(chosen->ai_addr)->sin_addr);
  const bool ok = inet_ntop(chosen->ai_family, address, text.data(), text.size()) != nullptr;
  freeaddrinfo(found);
  if (!ok) return "cannot resolve " + o.host;
  o.address = text.data();
  return std::nullopt;
}

namespace {

// An IPv6 literal goes in brackets in a Host header (RFC 9110, authority syntax).
std::string host_for_header(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

std::string build_request(const run_options& o) {
  std::string prompt;
  prompt.reserve(o.prompt_bytes);
  constexpr std::string_view filler = "hello qgate ";
  while (prompt.size() < o.prompt_bytes) prompt.push_back(filler[prompt.size() % filler.size()]);
  if (prompt.empty()) prompt = "x";  // the APIs reject empty content

  std::string body;
  const std::string message = "{\"role\":\"user\",\"content\":\"" + prompt + "\"}";
  switch (o.target) {
    case sse_dialect::gateway:
      body = "{\"model\":\"" + o.model + "\",\"messages\":[" + message + "]";
      body += o.stream ? ",\"stream\":true}" : "}";
      break;
    case sse_dialect::dashscope:
      body = "{\"model\":\"" + o.model + "\",\"input\":{\"messages\":[" + message +
             "]},\"parameters\":{\"result_format\":\"message\",\"incremental_output\":";
      body += o.stream ? "true}}" : "false}}";
      break;
    case sse_dialect::openai:
      // include_usage: the last chunk reports completion_tokens, which tokens/s is made of.
      body = "{\"model\":\"" + o.model + "\",\"messages\":[" + message + "],\"stream\":";
      body += o.stream ? "true,\"stream_options\":{\"include_usage\":true}}" : "false}";
      break;
  }

  std::string request = "POST " + effective_path(o) +
                        " HTTP/1.1\r\nHost: " + host_for_header(o.host) + ":" +
                        std::to_string(o.port) + "\r\nContent-Type: application/json\r\n";
  if (!o.api_key.empty()) request += "Authorization: Bearer " + o.api_key + "\r\n";
  if (o.stream) {
    request += "Accept: text/event-stream\r\n";
    if (o.target == sse_dialect::dashscope) request += "X-DashScope-SSE: enable\r\n";
  } else {
    request += "Accept: application/json\r\n";
  }
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return request;
}

}  // namespace qgate::loadgen
