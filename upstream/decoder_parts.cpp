// Pieces every provider's decoder shares (see decoder_parts.hpp).
#include "upstream/decoder_parts.hpp"

#include <string>

namespace qgate::upstream {

simdjson::dom::parser& thread_json_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

error unparsable(std::string_view what) {
  return make_error(errc::upstream_error, "无法解析的上游响应 (" + std::string(what) + ")");
}

std::optional<finish_reason> parse_finish_reason(simdjson::dom::element holder) {
  std::string_view reason;
  if (holder["finish_reason"].get(reason) != simdjson::SUCCESS || reason == "null" ||
      reason.empty()) {
    return std::nullopt;
  }
  if (reason == "length") return finish_reason::length;
  if (reason == "tool_calls" || reason == "function_call") return finish_reason::tool_calls;
  if (reason == "content_filter") return finish_reason::content_filter;
  return finish_reason::stop;
}

result<std::vector<tool_call_delta>> parse_tool_calls(simdjson::dom::element holder) {
  std::vector<tool_call_delta> calls;
  simdjson::dom::array items;
  if (holder["tool_calls"].get(items) != simdjson::SUCCESS) return calls;
  std::int64_t position = 0;
  for (simdjson::dom::element item : items) {
    tool_call_delta call;
    if (item["index"].get(call.index) != simdjson::SUCCESS) call.index = position;
    if (call.index < 0 || call.index > max_tool_call_index) {
      return unparsable("tool call index out of range");
    }
    std::string_view text;
    if (item["id"].get(text) == simdjson::SUCCESS) call.id = text;
    if (item["function"]["name"].get(text) == simdjson::SUCCESS) call.name = text;
    if (item["function"]["arguments"].get(text) == simdjson::SUCCESS) call.arguments = text;
    calls.push_back(std::move(call));
    ++position;
  }
  return calls;
}

std::vector<tool_call> whole_calls(const std::vector<tool_call_delta>& fragments) {
  std::vector<tool_call> calls;
  std::vector<std::int64_t> indices;
  for (const auto& fragment : fragments) {
    std::size_t at = 0;
    while (at < indices.size() && indices[at] != fragment.index) ++at;
    if (at == indices.size()) {
      indices.push_back(fragment.index);
      calls.emplace_back();
    }
    auto& call = calls[at];
    if (call.id.empty()) call.id = fragment.id;
    if (call.name.empty()) call.name = fragment.name;
    call.arguments += fragment.arguments;
  }
  return calls;
}

chat_delta as_delta(chat_completion completion) {
  chat_delta delta;
  delta.content = std::move(completion.content);
  delta.reasoning_content = std::move(completion.reasoning_content);
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    auto& call = completion.tool_calls[i];
    delta.tool_calls.push_back({static_cast<std::int64_t>(i), std::move(call.id),
                                std::move(call.name), std::move(call.arguments)});
  }
  delta.finish = completion.finish;
  delta.usage = completion.usage;
  return delta;
}

chat_delta filtered_delta(const token_usage& usage) {
  chat_delta delta;
  delta.finish = finish_reason::content_filter;
  delta.usage = usage;
  return delta;
}

chat_completion filtered_completion() {
  chat_completion filtered;
  filtered.finish = finish_reason::content_filter;
  return filtered;
}

}  // namespace qgate::upstream
