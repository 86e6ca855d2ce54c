// Reads a request's messages array with DashScope's rules, the same on both endpoints.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"

#include <simdjson.h>

#include <optional>

namespace qgate::mock {

// Roles, string contents, tool messages answering tool calls, at least one user message; fills
// the last user and tool contents and counts the input tokens.
std::optional<upstream_error> read_messages(simdjson::dom::array messages, generation& g);

}  // namespace qgate::mock
