// Answer generation: what the mock says, cut into the pieces a stream sends.
#include "tools/mock_dashscope/mock_answer.hpp"

#include <algorithm>

namespace qgate::mock {

std::vector<std::string> split_code_points(std::string_view text, int chunks) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  starts.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const std::size_t points = starts.size();
  const std::size_t count = std::min(static_cast<std::size_t>(std::max(chunks, 1)), points);
  std::vector<std::string> pieces;
  pieces.reserve(count);
  std::size_t point = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t begin = starts[point];
    point += points / count + (k < points % count ? 1 : 0);
    const std::size_t end = point < points ? starts[point] : text.size();
    pieces.emplace_back(text.substr(begin, end - begin));
  }
  return pieces;
}

answer make_answer(const generation& g, int chunks, std::string_view request_id) {
  answer a;
  if (g.enable_thinking) {
    a.reasoning = split_code_points("think:" + g.last_user_content, chunks);
    // The budget caps the reasoning only; max_tokens caps only the answer below.
    if (g.thinking_budget && static_cast<std::size_t>(*g.thinking_budget) < a.reasoning.size()) {
      a.reasoning.resize(static_cast<std::size_t>(*g.thinking_budget));
    }
  }
  if (answers_with_tools(g)) {
    a.calls = plan_tool_calls(g, request_id);
    a.fragments = fragment_calls(a.calls, chunks);
    return a;
  }
  const bool after_tool = g.last_role == "tool";
  a.pieces = split_code_points(
      (after_tool ? "mock:tool:" + g.last_tool_content : "mock:" + g.last_user_content), chunks);
  if (g.max_tokens && static_cast<std::size_t>(*g.max_tokens) < a.pieces.size()) {
    a.pieces.resize(static_cast<std::size_t>(*g.max_tokens));
    a.cut_by_max_tokens = true;
  }
  return a;
}

}  // namespace qgate::mock
