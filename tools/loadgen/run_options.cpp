// Builds the request once: the prompt is filler text of the requested size, so that body size is
// a knob of the load and not a property of the test data.
#include "tools/loadgen/run_options.hpp"

namespace qgate::loadgen {

std::string effective_path(const run_options& o) {
  if (!o.path.empty()) return o.path;
  return o.target == sse_dialect::gateway ? "/api/llm/chat"
                                          : "/api/v1/services/aigc/text-generation/generation";
}

std::string build_request(const run_options& o) {
  std::string prompt;
  prompt.reserve(o.prompt_bytes);
  constexpr std::string_view filler = "hello qgate ";
  while (prompt.size() < o.prompt_bytes) prompt.push_back(filler[prompt.size() % filler.size()]);
  if (prompt.empty()) prompt = "x";  // both APIs reject empty content

  std::string body;
  const std::string message = "{\"role\":\"user\",\"content\":\"" + prompt + "\"}";
  if (o.target == sse_dialect::gateway) {
    body = "{\"model\":\"" + o.model + "\",\"messages\":[" + message + "]";
    body += o.stream ? ",\"stream\":true}" : "}";
  } else {
    body = "{\"model\":\"" + o.model + "\",\"input\":{\"messages\":[" + message +
           "]},\"parameters\":{\"result_format\":\"message\",\"incremental_output\":";
    body += o.stream ? "true}}" : "false}}";
  }

  std::string request = "POST " + effective_path(o) + " HTTP/1.1\r\nHost: " + o.host + ":" +
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
