// Pure rendering of the spec's success envelopes and SSE frames.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"
#include "messages/tenant.hpp"

#include <string>
#include <string_view>

namespace qgate::http {

inline constexpr std::string_view sse_done_frame = "data: [DONE]\n\n";
inline constexpr std::string_view sse_ping_frame = ": ping\n\n";

std::string models_body(const std::vector<model_info>& models);
std::string usage_body(const std::vector<usage_total>& totals);
std::string completion_body(const chat_completion& completion);
// `{"code":200,"message":"success","data":<data_json>}`
std::string success_body(std::string_view data_json);

// `data: {"content":"..","finish_reason":null}\n\n`; the last frame carries the reason and usage.
void append_delta_frame(std::string& out, const chat_delta& delta);
// `data: <error envelope>\n\n`: how a failure is told once the stream has begun.
std::string error_frame(const error& err);

}  // namespace qgate::http
