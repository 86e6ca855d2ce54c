// What the mock understood of one text-generation request body (pure: bytes in, value out).
#pragma once

#include "tools/mock_dashscope/mock_fault.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace qgate::mock {

struct generation {
  std::string model;
  bool message_format = false;  // result_format "message" (else "text", DashScope's default)
  bool incremental = false;     // incremental_output
  std::optional<std::int64_t> max_tokens;
  std::string last_user_content;  // the prompt the answer echoes
  std::int64_t input_tokens = 0;  // code points over all message contents
  markers overrides;              // read from last_user_content
};

// Parses and validates like DashScope does, with its error messages (protocol notes §6.3).
std::variant<generation, upstream_error> parse_generation(std::string_view body);

std::int64_t count_code_points(std::string_view text);

}  // namespace qgate::mock
