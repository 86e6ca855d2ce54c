// The chat vocabulary shared by http/, actors/ and upstream/: request, deltas, results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate {

enum class chat_role { system, user, assistant };

struct chat_message {
  chat_role role = chat_role::user;
  std::string content;
};

struct chat_request {
  std::string model;
  std::vector<chat_message> messages;
  bool stream = false;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_tokens;
  std::string request_id;
  std::string api_key;  // the caller's key as presented; never logged, never sent upstream
};

struct token_usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
};

enum class finish_reason { stop, length, content_filter, tool_calls };

// One step of a generation: new text, and on the last step why it ended and what it cost.
struct chat_delta {
  std::string content;
  std::optional<finish_reason> finish;
  token_usage usage;
};

// A whole non-stream answer.
struct chat_completion {
  std::string content;
  finish_reason finish = finish_reason::stop;
  token_usage usage;
};

std::string_view to_string(chat_role role) noexcept;
std::string_view to_string(finish_reason reason) noexcept;

}  // namespace qgate
