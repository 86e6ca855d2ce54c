// An answer and its errors in OpenAI's Chat Completions shapes, as DashScope's compatible mode
// writes them: one body, or the chunks of a stream.
#pragma once

#include "tools/mock_dashscope/mock_answer.hpp"
#include "tools/mock_dashscope/mock_fault.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

// What every body and chunk repeats: `id` is "chatcmpl-" + the request id.
struct compat_head {
  std::string_view request_id;
  std::string_view model;
  std::int64_t created = 0;  // Unix seconds
};

// The whole non-stream body.
std::string compat_unary_json(const generation& g, const answer& a, const compat_head& h);

// A stream's chunk JSONs, in order.
struct compat_chunks {
  std::string role;                 // delta {"role":"assistant","content":""}
  std::vector<std::string> tokens;  // one per reasoning piece, content piece or tool fragment
  std::string finish;               // empty delta, the finish_reason
  std::string usage;                // "choices":[] and usage; empty without include_usage
};

// With include_usage every other chunk says "usage":null; without it no chunk has the key.
compat_chunks compat_stream(const generation& g, const answer& a, const compat_head& h,
                            bool include_usage);

// {"error":{"message","type","param":null,"code"},"request_id"}: DashScope's native codes
// translated as its compatible mode does (InvalidApiKey → invalid_api_key, …); a code without
// a documented translation stays as it is, as type and code.
std::string compat_error_json(const upstream_error& e, std::string_view request_id);

inline constexpr std::string_view compat_sse_type = "text/event-stream; charset=utf-8";
// "data: " + json + "\n\n"
std::string compat_event(std::string_view json);
inline constexpr std::string_view compat_done = "data: [DONE]\n\n";

}  // namespace qgate::mock
