// What the mock understood of one text-generation request body (pure: bytes in, value out).
#pragma once

#include "tools/mock_dashscope/mock_fault.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace qgate::mock {

// parameters.tool_choice: "auto" (or absent), "none", or {"type":"function","function":{name}}.
enum class tool_choice { automatic, none, named };

struct generation {
  std::string model;
  bool message_format = false;  // result_format "message" (else "text", DashScope's default)
  bool incremental = false;     // incremental_output
  std::optional<std::int64_t> max_tokens;
  std::string last_user_content;   // the prompt the answer echoes
  std::string last_role;           // role of the last message ("user" for the legacy prompt form)
  std::string last_tool_content;   // content of the last `tool` message
  std::int64_t input_tokens = 0;   // code points over all message contents
  std::int64_t cached_tokens = 0;  // [[cached:N]], at most input_tokens
  markers overrides;               // read from last_user_content

  std::vector<std::string> tools;  // parameters.tools[].function.name, in order
  tool_choice choice = tool_choice::automatic;
  std::string chosen_tool;  // the name tool_choice gives, when named
  bool parallel_tool_calls = false;
  bool enable_thinking = false;
  std::optional<std::int64_t> thinking_budget;  // at least 1
};

// Parses and validates like DashScope does, with its error messages (protocol notes §6.3).
std::variant<generation, upstream_error> parse_generation(std::string_view body);

// The checks that depend on the transport as well as the body: thinking only streams, and only
// with message format and incremental output.
std::optional<upstream_error> check_thinking(const generation& g, bool stream);

std::int64_t count_code_points(std::string_view text);

// Models DashScope serves as text models; anything named qwen*, qwq* or deepseek* is accepted.
bool known_model(std::string_view model);

// Reads the markers of the last user message and the cached tokens they ask for.
void read_overrides(generation& g);

}  // namespace qgate::mock
