// Request parsing and validation; the order of checks follows what DashScope reports first.
#include "tools/mock_dashscope/mock_request.hpp"

#include "tools/mock_dashscope/mock_messages.hpp"
#include "tools/mock_dashscope/mock_parameters.hpp"

#include <simdjson.h>

#include <algorithm>

namespace qgate::mock {
namespace {

using simdjson::SUCCESS;

constexpr std::string_view bad_message =
    "Role must be user or assistant and Content length must be greater than 0";
constexpr std::string_view orphan_tool_message =
    R"(messages with role "tool" must be a response to a preceeding message with "tool_calls")";

bool known_role(std::string_view role) {
  return role == "user" || role == "assistant" || role == "system" || role == "tool";
}

// An assistant message that calls tools: a non-empty `tool_calls` array. Such a message may have
// an empty (or no) content.
bool calls_tools(simdjson::dom::element message, std::string_view role) {
  simdjson::dom::array calls;
  return role == "assistant" && message["tool_calls"].get(calls) == SUCCESS && calls.size() > 0;
}

// Reads one message. `answering_calls` says whether a `tool` message may come here: right after
// an assistant message with tool_calls, or after another tool message answering the same calls.
std::optional<upstream_error> read_message(simdjson::dom::element message, generation& g,
                                           bool& answering_calls) {
  std::string_view role;
  if (message["role"].get(role) != SUCCESS || !known_role(role)) {
    return invalid_parameter(std::string(bad_message));
  }
  if (role == "tool") {
    std::string_view call_id;
    if (!answering_calls) return invalid_parameter(std::string(orphan_tool_message));
    if (message["tool_call_id"].get(call_id) != SUCCESS || call_id.empty()) {
      return invalid_request();
    }
  }
  const bool has_calls = calls_tools(message, role);
  std::string_view content;
  const auto content_field = message["content"];
  // A message that calls tools may leave its content out (or null): it stays empty.
  const bool no_content = content_field.error() != SUCCESS || content_field.is_null();
  if (!(has_calls && no_content)) {
    if (content_field.error() != SUCCESS) {
      return invalid_parameter("The content field is a required field.");
    }
    if (content_field.get(content) != SUCCESS) {
      return invalid_parameter("input content must be a string.");
    }
    if (content.empty() && !has_calls) return invalid_parameter(std::string(bad_message));
  }
  g.input_tokens += count_code_points(content);
  g.last_role = role;
  if (role == "user") g.last_user_content = content;
  if (role == "tool") g.last_tool_content = content;
  answering_calls = has_calls || (role == "tool" && answering_calls);
  return std::nullopt;
}

std::optional<upstream_error> read_input(simdjson::dom::element root, generation& g) {
  simdjson::dom::object input;
  if (root["input"].get(input) != SUCCESS) {
    return upstream_error{400, "BadRequest.EmptyInput",
                          "Required input parameter missing from request."};
  }
  simdjson::dom::array messages;
  if (input["messages"].get(messages) == SUCCESS) return read_messages(messages, g);
  std::string_view prompt;  // the legacy form {"input":{"prompt":"..."}}
  if (input["prompt"].get(prompt) == SUCCESS) {
    g.last_user_content = prompt;
    g.last_role = "user";
    g.input_tokens = count_code_points(prompt);
    return std::nullopt;
  }
  return invalid_parameter(R"(Either "prompt" or "messages" must exist and cannot both be none)");
}

}  // namespace

std::optional<upstream_error> read_messages(simdjson::dom::array messages, generation& g) {
  if (messages.size() == 0) return invalid_parameter(std::string(bad_message));
  bool has_user = false;
  bool answering_calls = false;
  for (const auto message : messages) {
    if (auto failure = read_message(message, g, answering_calls)) return failure;
    has_user = has_user || g.last_role == "user";
  }
  if (!has_user) {
    return invalid_parameter("The input messages do not contain elements with the role of user.");
  }
  return std::nullopt;
}

bool known_model(std::string_view model) {
  return model.starts_with("qwen") || model.starts_with("qwq") || model.starts_with("deepseek");
}

std::int64_t count_code_points(std::string_view text) {
  std::int64_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::variant<generation, upstream_error> parse_generation(std::string_view body) {
  // One parser per I/O thread: it keeps its buffers, so parsing allocates nothing after warm-up.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != SUCCESS || !root.is_object()) {
    return invalid_parameter("Required body invalid, please check the request body format.");
  }
  generation g;
  std::string_view model;
  if (root["model"].get(model) != SUCCESS || model.empty()) {
    return upstream_error{400, "BadRequest.EmptyModel",
                          R"(Required parameter "model" missing from request.)"};
  }
  if (!known_model(model)) return invalid_parameter("Model not exist.");
  g.model = model;
  if (auto failure = read_input(root, g)) return *failure;
  if (auto failure = read_parameters(root, g)) return *failure;
  read_overrides(g);
  return g;
}

void read_overrides(generation& g) {
  g.overrides = read_markers(g.last_user_content);
  if (g.overrides.cached_tokens) {
    g.cached_tokens = std::min<std::int64_t>(*g.overrides.cached_tokens, g.input_tokens);
  }
}

std::optional<upstream_error> check_thinking(const generation& g, bool stream) {
  if (!g.enable_thinking) return std::nullopt;
  if (!stream) {
    return invalid_parameter(
        "parameter.enable_thinking must be set to false for non-streaming calls");
  }
  if (!g.message_format) {
    return invalid_parameter(
        R"(The result_format parameter must be "message" when enable_thinking is true)");
  }
  if (!g.incremental) {
    return invalid_parameter(
        R"(The incremental_output parameter must be "true" when enable_thinking is true)");
  }
  return std::nullopt;
}

}  // namespace qgate::mock
