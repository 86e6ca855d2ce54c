// The wire formats the load generator speaks: the target chosen by --target.
#pragma once

#include <string_view>

namespace qgate::loadgen {

enum class sse_dialect {
  gateway,    // qgate's API: `data: {"content":…}` frames, then `data: [DONE]`
  dashscope,  // DashScope native: `data:{"output":…}` events; the end is a non-null finish_reason
  openai,     // OpenAI Chat Completions: `chat.completion.chunk` events, then `data: [DONE]`
};

// The --target spelling of a dialect.
[[nodiscard]] constexpr std::string_view dialect_name(sse_dialect d) {
  switch (d) {
    case sse_dialect::gateway:
      return "gateway";
    case sse_dialect::dashscope:
      return "dashscope";
    case sse_dialect::openai:
      return "openai";
  }
  return "gateway";
}

}  // namespace qgate::loadgen
