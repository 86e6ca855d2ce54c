// Any body sent to /v1/chat/completions is either a chat request whose DashScope body is valid
// JSON (tools and formats are forwarded as JSON text) or an OpenAI error that is valid JSON.
#include "http/openai_render.hpp"
#include "http/openai_request.hpp"
#include "upstream/generation_request.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = qgate::http::parse_openai_chat(body);
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!parsed) {
    if (parser.parse(qgate::http::openai_error_body(parsed.error())).get(root) !=
        simdjson::SUCCESS) {
      __builtin_trap();
    }
    return 0;
  }
  const auto& request = parsed.value().request;
  if (request.messages.empty() || request.model.empty()) __builtin_trap();
  if (parser.parse(qgate::upstream::generation_body(request)).get(root) != simdjson::SUCCESS) {
    __builtin_trap();  // what qgate forwards must be JSON DashScope can read
  }
  return 0;
}
