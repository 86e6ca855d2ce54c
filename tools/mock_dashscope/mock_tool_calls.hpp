// The tool calls the mock answers with: which tools, their ids and arguments, and the fragments a
// stream sends them in. Pure and deterministic.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

struct tool_call {
  std::string id;  // call_ + 24 lowercase hex digits
  std::string name;
  std::string arguments;  // JSON text {"query":"<last user message>"}
};

// A piece of one call's arguments as one stream event carries it. The first fragment of a call
// also carries its id and name.
struct tool_fragment {
  std::size_t call = 0;  // index into the calls
  bool first = false;
  std::string arguments;
};

// Every call's arguments are cut into at least this many fragments, so clients must join them.
inline constexpr int min_tool_fragments = 3;

// Whether the request is answered with tool calls: message format, tools given, tool_choice not
// "none", and the last message is the user's.
bool answers_with_tools(const generation& g);

// The calls: the named tool; every tool in order with parallel_tool_calls; else the first tool.
std::vector<tool_call> plan_tool_calls(const generation& g, std::string_view request_id);

// The id of call `index` of the answer to `request_id`: the same inputs give the same id, and the
// calls of one answer have distinct ids.
std::string tool_call_id(std::string_view request_id, std::size_t index);

// Each call's arguments in max(chunks, min_tool_fragments) pieces, call after call.
std::vector<tool_fragment> fragment_calls(const std::vector<tool_call>& calls, int chunks);

}  // namespace qgate::mock
