// The mock's deterministic answer ("mock:" + the last user message) and its DashScope JSON.
#pragma once

#include "tools/mock_dashscope/mock_fault.hpp"
#include "tools/mock_dashscope/mock_request.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

struct answer {
  std::vector<std::string> pieces;  // what each result event adds; one output token each
  bool cut_by_max_tokens = false;   // finish_reason "length" instead of "stop"
};

// Splits at code point boundaries into at most `chunks` pieces, as equal as possible.
std::vector<std::string> split_code_points(std::string_view text, int chunks);
answer make_answer(const generation& g, int chunks);

// The `data:` JSON of a stream event after `pieces_sent` pieces; finish "null" unless `final`.
std::string result_json(const generation& g, const answer& a, std::size_t pieces_sent, bool final,
                        std::string_view request_id);
// The whole non-stream body.
std::string unary_json(const generation& g, const answer& a, std::string_view request_id);
std::string error_json(const upstream_error& e, std::string_view request_id);

// SSE framing exactly as DashScope writes it: `id:N\nevent:...\n:HTTP_STATUS/N\ndata:...\n\n`.
std::string result_event(std::size_t id, std::string_view json);
std::string error_event(std::size_t id, const upstream_error& e, std::string_view request_id);

}  // namespace qgate::mock
