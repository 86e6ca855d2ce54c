#include "messages/chat.hpp"

namespace qgate {

std::string_view to_string(chat_role role) noexcept {
  switch (role) {
    case chat_role::system:
      return "system";
    case chat_role::user:
      return "user";
    case chat_role::assistant:
      return "assistant";
    case chat_role::tool:
      return "tool";
  }
  return "user";
}

std::string_view to_string(finish_reason reason) noexcept {
  switch (reason) {
    case finish_reason::stop:
      return "stop";
    case finish_reason::length:
      return "length";
    case finish_reason::content_filter:
      return "content_filter";
    case finish_reason::tool_calls:
      return "tool_calls";
  }
  return "stop";
}

std::size_t prompt_bytes(const chat_request& request) noexcept {
  std::size_t bytes = request.options.tools.size();
  for (const auto& message : request.messages) {
    bytes += message.content.size();
    for (const auto& call : message.tool_calls) bytes += call.name.size() + call.arguments.size();
  }
  return bytes;
}

}  // namespace qgate
