// The chat vocabulary shared by http/, actors/ and upstream/: request, deltas, results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qgate {

enum class chat_role { system, user, assistant, tool };

// One function call the model asked for: whole (a completion, or an assistant message sent back).
struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model wrote it
};

struct chat_message {
  chat_message() = default;
  chat_message(chat_role r, std::string text) : role(r), content(std::move(text)) {}

  chat_role role = chat_role::user;
  std::string content;
  std::vector<tool_call> tool_calls;  // assistant messages: the calls it made
  std::string tool_call_id;           // tool messages: the call this answers
};

// Options beyond the seed's API (the OpenAI door takes them). JSON-valued ones hold JSON text a
// parser already read, re-serialized: they are forwarded as they are.
struct generation_options {
  std::vector<std::string> stop;
  std::optional<std::int64_t> seed;
  std::optional<double> presence_penalty;
  std::optional<double> repetition_penalty;
  std::optional<std::int64_t> top_k;
  std::string tools;        // a JSON array of function tools, or empty
  std::string tool_choice;  // "auto" | "none" | {"type":"function",...} as JSON, or empty
  std::optional<bool> parallel_tool_calls;
  std::string response_format;  // {"type":"json_object"} etc. as JSON, or empty
  std::optional<bool> enable_thinking;
  std::optional<std::int64_t> thinking_budget;
  std::optional<bool> enable_search;
};

struct chat_request {
  std::string model;
  std::vector<chat_message> messages;
  bool stream = false;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<std::int64_t> max_tokens;
  generation_options options;
  std::string request_id;
  std::string api_key;      // the caller's key as presented; never logged, never sent upstream
  std::string traceparent;  // W3C trace context sent upstream ("" : none)
};

// What the upstream reads as input: every message's text and tool calls, and the tool
// definitions (the rate limiter's token estimate starts from it).
std::size_t prompt_bytes(const chat_request& request) noexcept;

struct token_usage {
  token_usage() = default;
  token_usage(std::int64_t input, std::int64_t output, std::int64_t total)
      : input_tokens(input), output_tokens(output), total_tokens(total) {}

  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
  std::int64_t cached_tokens = 0;     // of input_tokens, served from the upstream's cache
  std::int64_t reasoning_tokens = 0;  // of output_tokens, spent thinking
};

// A piece of a streamed tool call: the first piece of call `index` has its id and name, the
// rest only more of its arguments.
struct tool_call_delta {
  std::int64_t index = 0;
  std::string id;
  std::string name;
  std::string arguments;
};

enum class finish_reason { stop, length, content_filter, tool_calls };

// One step of a generation: new text, and on the last step why it ended and what it cost.
struct chat_delta {
  chat_delta() = default;
  chat_delta(std::string text, std::optional<finish_reason> end, token_usage used = {})
      : content(std::move(text)), finish(end), usage(used) {}

  std::string content;
  std::string reasoning_content;
  std::vector<tool_call_delta> tool_calls;
  std::optional<finish_reason> finish;
  token_usage usage;
};

// A whole non-stream answer.
// What a chat call was, for the access log and the gateway's own overhead (the response sink
// gets it once, when the call ends).
struct call_summary {
  std::string tenant;
  std::string model;          // the model that served (a fallback's, when one did)
  long upstream_status = 0;   // the last attempt's HTTP status (0: no answer)
  std::int64_t ttft_us = -1;  // to the first token sent (-1: none was)
  token_usage usage;
  std::int64_t upstream_us = 0;  // time spent waiting on upstream attempts
};

struct chat_completion {
  chat_completion() = default;
  chat_completion(std::string text, finish_reason end, token_usage used = {})
      : content(std::move(text)), finish(end), usage(used) {}

  std::string content;
  std::string reasoning_content;
  std::vector<tool_call> tool_calls;
  finish_reason finish = finish_reason::stop;
  token_usage usage;
};

std::string_view to_string(chat_role role) noexcept;
std::string_view to_string(finish_reason reason) noexcept;

}  // namespace qgate
