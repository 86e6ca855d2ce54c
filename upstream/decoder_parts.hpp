// Pieces every provider's decoder shares: the per-thread JSON parser, finish reasons, tool-call
// fragments and whole calls, and the final values they build. Internal to upstream/ (simdjson).
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"

#include <simdjson.h>

#include <optional>
#include <string_view>
#include <vector>

namespace qgate::upstream {

// Highest tool-call index accepted from an upstream (a model asks for a handful at most).
inline constexpr std::int64_t max_tool_call_index = 127;

// One parser per thread: parsing reuses its buffers instead of allocating per event. A parse
// invalidates every element of the previous one.
simdjson::dom::parser& thread_json_parser();

[[nodiscard]] error unparsable(std::string_view what);

// `holder.finish_reason`: none while generating (JSON null, DashScope's "null" or ""), else
// stop, length, tool_calls (or the legacy function_call), content_filter; anything else is stop.
[[nodiscard]] std::optional<finish_reason> parse_finish_reason(simdjson::dom::element holder);

// `holder.tool_calls`: each entry a whole call (non-stream) or a fragment of one (stream).
[[nodiscard]] result<std::vector<tool_call_delta>> parse_tool_calls(simdjson::dom::element holder);

// Fragments joined into whole calls, in the order their indices first appear.
[[nodiscard]] std::vector<tool_call> whole_calls(const std::vector<tool_call_delta>& fragments);

// A whole answer as the one and last step of a stream.
[[nodiscard]] chat_delta as_delta(chat_completion completion);

// Content moderation as the end of an answer: a last step, or a whole (empty) completion.
[[nodiscard]] chat_delta filtered_delta(const token_usage& usage);
[[nodiscard]] chat_completion filtered_completion();

}  // namespace qgate::upstream
