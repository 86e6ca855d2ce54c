// Decides what the mock sends for one request, as a script of timed writes and an ending.
// Pure (no sockets, no clocks), so routing, validation and every fault can be reasoned about
// apart from the I/O; the session only plays the script.
#pragma once

#include "tools/mock_dashscope/mock_state.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::mock {

inline constexpr std::string_view generation_path =
    "/api/v1/services/aigc/text-generation/generation";
// OpenAI Chat Completions: DashScope's compatible mode, and what vLLM or Ollama serve.
inline constexpr std::string_view compat_path = "/compatible-mode/v1/chat/completions";
inline constexpr std::string_view self_hosted_compat_path = "/v1/chat/completions";

struct script_step {
  int delay_ms = 0;  // wait before writing `bytes`
  std::string bytes;
};

enum class ending {
  keep_alive,  // read the next request on this connection
  close,       // the response is complete: close the connection
  drop,        // the response is cut short: close the connection
  reset,       // close with a TCP reset (SO_LINGER 0), before or instead of a response
  stall,       // send nothing more; close only when the client goes away
};

struct script {
  std::vector<script_step> steps;
  ending end = ending::keep_alive;
  // Counted in active_streams and watched for the client going away: SSE streams and stalls.
  bool tracked = false;
};

// The parts of a request the mock looks at.
struct incoming {
  std::string_view method;
  std::string_view target;
  std::string_view authorization;
  std::string_view sse;         // X-DashScope-SSE
  std::string_view accept;      // Accept
  std::string_view fault_name;  // X-Mock-Fault
  std::string_view body;
  bool keep_alive = true;
  // Every request header as "Name: value\n" lines; only the reflect faults read it, so the server
  // fills it only when reflects() says so.
  std::string_view request_headers;
};

// Whether the request may ask for a reflect fault (a cheap test before collecting its headers).
bool reflects(std::string_view fault_name, std::string_view body);

bool is_control_target(std::string_view target);  // /mock/*: no auth, not recorded
bool is_compat_path(std::string_view path);

// Routes the request and writes its response. Control requests read or change `state`.
script plan(const incoming& request, mock_state& state);

}  // namespace qgate::mock
