// Request parsing and validation; the order of checks follows what DashScope reports first.
#include "tools/mock_dashscope/mock_request.hpp"

#include "tools/mock_dashscope/mock_options.hpp"

#include <simdjson.h>

namespace qgate::mock {
namespace {

using simdjson::SUCCESS;

constexpr std::string_view bad_message =
    "Role must be user or assistant and Content length must be greater than 0";

bool known_role(std::string_view role) {
  return role == "user" || role == "assistant" || role == "system" || role == "tool";
}

// Models DashScope serves as text models; anything named qwen* is accepted too.
bool known_model(std::string_view model) {
  return model.starts_with("qwen") || model.starts_with("qwq") || model.starts_with("deepseek");
}

std::optional<upstream_error> read_messages(simdjson::dom::array messages, generation& g) {
  if (messages.size() == 0) return invalid_parameter(std::string(bad_message));
  bool has_user = false;
  for (const auto message : messages) {
    std::string_view role;
    std::string_view content;
    if (message["role"].get(role) != SUCCESS || !known_role(role)) {
      return invalid_parameter(std::string(bad_message));
    }
    const auto content_field = message["content"];
    if (content_field.error() != SUCCESS) {
      return invalid_parameter("The content field is a required field.");
    }
    if (content_field.get(content) != SUCCESS) {
      return invalid_parameter("input content must be a string.");
    }
    if (content.empty()) return invalid_parameter(std::string(bad_message));
    g.input_tokens += count_code_points(content);
    if (role == "user") {
      has_user = true;
      g.last_user_content = content;
    }
  }
  if (!has_user) {
    return invalid_parameter("The input messages do not contain elements with the role of user.");
  }
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
    g.input_tokens = count_code_points(prompt);
    return std::nullopt;
  }
  return invalid_parameter(R"(Either "prompt" or "messages" must exist and cannot both be none)");
}

// Unknown keys are ignored, as DashScope does (the Python SDK itself sends `stream` here).
std::optional<upstream_error> read_parameters(simdjson::dom::element root, generation& g) {
  simdjson::dom::object parameters;
  if (root["parameters"].get(parameters) != SUCCESS) return std::nullopt;
  std::string_view format;
  if (parameters["result_format"].get(format) == SUCCESS) g.message_format = format == "message";
  bool incremental = false;
  if (parameters["incremental_output"].get(incremental) == SUCCESS) g.incremental = incremental;
  double number = 0;
  if (parameters["temperature"].get(number) == SUCCESS && !(number >= 0.0 && number < 2.0)) {
    return invalid_parameter("Temperature should be in [0.0, 2.0)");
  }
  if (parameters["top_p"].get(number) == SUCCESS && !(number > 0.0 && number <= 1.0)) {
    return invalid_parameter("Range of top_p should be (0.0, 1.0]");
  }
  const auto max_tokens_field = parameters["max_tokens"];
  if (max_tokens_field.error() == SUCCESS && !max_tokens_field.is_null()) {
    std::int64_t max_tokens = 0;
    if (max_tokens_field.get(max_tokens) != SUCCESS || max_tokens < 1 ||
        max_tokens > max_tokens_limit) {
      return invalid_parameter("Range of max_tokens should be [1, 8192]");
    }
    g.max_tokens = max_tokens;
  }
  return std::nullopt;
}

}  // namespace

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
  g.overrides = read_markers(g.last_user_content);
  return g;
}

}  // namespace qgate::mock
