// What the mock understood of one OpenAI Chat Completions request body (pure: bytes in, value
// out). Errors are in DashScope's native vocabulary; mock_compat_render translates them.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"

#include <string_view>
#include <variant>

namespace qgate::mock {

struct compat_request {
  generation g;  // always message format, incremental: the compatible mode's only shape
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

// model, messages (the native rules), stream, stream_options and the top-level parameters
// (ranges, tools, tool_choice, parallel_tool_calls, enable_thinking, thinking_budget) as the
// native endpoint checks them. Thinking is allowed without streaming, as vLLM allows it.
// `any_model`: a self-hosted server's model names (else DashScope's: qwen*, qwq*, deepseek*).
std::variant<compat_request, upstream_error> parse_compat(std::string_view body, bool any_model);

}  // namespace qgate::mock
