// Errors an OpenAI-compatible upstream reports: an error status with its body, an `error` object
// in a 200 body or stream event, or DashScope's native `event:error` frame inside a compatible
// stream. All go through the one shared mapping (upstream_error.hpp).
#pragma once

#include "messages/chat.hpp"
#include "upstream/call_decoder.hpp"

#include <optional>
#include <string_view>

namespace qgate::upstream {

// The status of an error that arrived inside a 200 answer and states none (no `:HTTP_STATUS/`
// line, no numeric `code`): the upstream failing mid-answer, since a refused request is answered
// with a 4xx before any answer starts.
inline constexpr long unstated_error_status = 500;

// The error `json` reports (a whole body, or one event's data): moderation ends the answer
// (content_filter: a last delta carrying `usage` when `stream`, else a completion); anything else
// is classified. `http_status` is the response's or the frame's status when one is known; else
// the body's numeric `error.code` / `code` (vLLM) when it is one, else unstated_error_status.
[[nodiscard]] decoded openai_error_value(std::string_view json, std::optional<long> http_status,
                                         bool stream, const token_usage& usage = {});

}  // namespace qgate::upstream
