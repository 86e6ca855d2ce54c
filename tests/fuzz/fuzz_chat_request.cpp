// Any body a client sends is either a valid chat_request or an error value: never a crash.
#include "http/chat_request_parser.hpp"
#include "http/error_mapping.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = qgate::http::parse_chat_request(body);
  if (!parsed) {
    (void)qgate::http::error_body(parsed.error());
  } else if (parsed.value().messages.empty()) {
    __builtin_trap();  // the parser promised at least one message
  }
  return 0;
}
