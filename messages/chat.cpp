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

}  // namespace qgate
