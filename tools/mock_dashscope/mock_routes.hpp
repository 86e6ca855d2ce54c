// The endpoints plan() routes to; each writes its own wire format around the shared call.
#pragma once

#include "tools/mock_dashscope/mock_script.hpp"

#include <string>

namespace qgate::mock {

// POST /api/v1/services/aigc/text-generation/generation: DashScope's native protocol.
script plan_native(const incoming& in, mock_state& state, std::string request_id);

// POST /compatible-mode/v1/chat/completions and /v1/chat/completions: OpenAI Chat Completions.
script plan_compat(const incoming& in, mock_state& state, std::string request_id);

// /mock/*: the request log, the stats and the key switches; not counted, not recorded.
script plan_control(const incoming& in, mock_state& state);

// A whole response: `status` with a JSON body, kept alive if the client asked.
script reply(int status, std::string_view body, std::string_view request_id, bool keep_alive);

}  // namespace qgate::mock
