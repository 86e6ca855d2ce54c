// An answer as DashScope's JSON and SSE events, in the key order of its captures.
#pragma once

#include "tools/mock_dashscope/mock_answer.hpp"
#include "tools/mock_dashscope/mock_fault.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace qgate::mock {

// The `data:` JSON of a stream event once `events_sent` events (this one included) have gone out;
// finish "null" unless `final`, and then `events_sent` is a.events().
std::string result_json(const generation& g, const answer& a, std::size_t events_sent, bool final,
                        std::string_view request_id);
// The whole non-stream body.
std::string unary_json(const generation& g, const answer& a, std::string_view request_id);
std::string error_json(const upstream_error& e, std::string_view request_id);

// SSE framing exactly as DashScope writes it: `id:N\nevent:...\n:HTTP_STATUS/N\ndata:...\n\n`.
std::string result_event(std::size_t id, std::string_view json);
std::string error_event(std::size_t id, const upstream_error& e, std::string_view request_id);

}  // namespace qgate::mock
