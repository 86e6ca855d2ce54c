// The mock's deterministic answer: "mock:" + the last user message, "mock:tool:" + a tool result,
// or tool calls; with thinking, "think:" + the last user message as reasoning first.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"
#include "tools/mock_dashscope/mock_tool_calls.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

struct answer {
  std::vector<std::string> reasoning;    // reasoning_content pieces, streamed first; a token each
  std::vector<std::string> pieces;       // content pieces; one output token each
  std::vector<tool_call> calls;          // non-empty: the answer is these calls, `pieces` is empty
  std::vector<tool_fragment> fragments;  // the calls as a stream sends them; a token each
  bool cut_by_max_tokens = false;        // finish_reason "length" instead of "stop"

  std::size_t tokens() const { return reasoning.size() + pieces.size() + fragments.size(); }
  // Stream events before the final one, one per token; the final event of a text answer adds
  // nothing, the final event of a tool-call answer carries the last fragment.
  std::size_t events() const { return tokens() - (fragments.empty() ? 0 : 1); }
};

// Splits at code point boundaries into at most `chunks` pieces, as equal as possible.
std::vector<std::string> split_code_points(std::string_view text, int chunks);
// `chunks` is the piece count of the answer text and of the reasoning; `request_id` seeds the
// tool call ids.
answer make_answer(const generation& g, int chunks, std::string_view request_id);

}  // namespace qgate::mock
