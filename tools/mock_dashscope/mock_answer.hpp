// The mock's deterministic answer ("mock:" + the last user message) and its DashScope renderings.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

struct answer {
  std::vector<std::string> pieces;  // what each result event adds
  bool cut_by_max_tokens = false;
  std::int64_t input_tokens = 0;
};

// Splits at code point boundaries into at most `chunks` pieces as equal as possible.
answer make_answer(const generation& g, int chunks);

// `data:` JSON of a result event after `pieces_sent` pieces (finish "null" unless `final`).
std::string result_json(const generation& g, const answer& a, std::size_t pieces_sent, bool final,
                        const std::string& request_id);
// The whole non-stream body.
std::string unary_json(const generation& g, const answer& a, const std::string& request_id);
std::string error_json(const upstream_error& e, const std::string& request_id);

std::string result_event(std::size_t id, const std::string& json);
std::string error_event(std::size_t id, const upstream_error& e, const std::string& request_id);

}  // namespace qgate::mock
