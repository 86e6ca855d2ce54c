#include "http/openai_request.hpp"

#include "http/chat_request_parser.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <string>

namespace qgate::http {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// The widest seed DashScope's compatible mode takes.
constexpr std::int64_t max_seed = 2'147'483'647;

error invalid(std::string param, std::string message) {
  return make_error(errc::invalid_params, std::move(message), std::move(param));
}

error invalid_type(const std::string& param, std::string_view expected) {
  return invalid(param, fmt::format("Invalid type for '{}': expected {}.", param, expected));
}

error unsupported(const std::string& param, std::string_view why) {
  return invalid(param, fmt::format("'{}' is not supported by this gateway: {}.", param, why));
}

bool is_null(const element& value) { return value.type() == element_type::NULL_VALUE; }

// Present and not null: JSON null counts as "not given", as OpenAI's API treats it.
bool given(const object& root, std::string_view key, element& value) {
  return root.at_key(key).get(value) == simdjson::SUCCESS && !is_null(value);
}

bool is_integer(const element& value) {
  return value.type() == element_type::INT64 || value.type() == element_type::UINT64;
}

[[nodiscard]] result<double> number_at(const object& root, const std::string& key,
                                       std::optional<double>& out) {
  element value;
  if (!given(root, key, value)) return 0.0;
  double number = 0;
  if (value.type() == element_type::BOOL || value.get(number) != simdjson::SUCCESS) {
    return invalid_type(key, "a number");
  }
  out = number;
  return number;
}

[[nodiscard]] result<bool> flag_at(const object& root, const std::string& key,
                                   std::optional<bool>& out) {
  element value;
  if (!given(root, key, value)) return false;
  bool flag = false;
  if (value.get(flag) != simdjson::SUCCESS) return invalid_type(key, "a boolean");
  out = flag;
  return flag;
}

// An integer in [low, high], or not given.
[[nodiscard]] result<void> integer_at(const object& root, const std::string& key, std::int64_t low,
                                      std::int64_t high, std::optional<std::int64_t>& out) {
  element value;
  if (!given(root, key, value)) return boost::outcome_v2::success();
  std::int64_t number = 0;
  if (!is_integer(value)) return invalid_type(key, "an integer");
  if (value.get(number) != simdjson::SUCCESS || number < low || number > high) {
    return invalid(key, fmt::format("Invalid value for '{}': expected an integer in [{}, {}].", key,
                                    low, high));
  }
  out = number;
  return boost::outcome_v2::success();
}

// `content`: a string, or an array of text parts (joined by newlines). Other parts (images,
// audio, files) are refused: the gateway serves text models.
[[nodiscard]] result<std::string> content_of(const element& value, const std::string& where) {
  std::string_view text;
  if (value.get(text) == simdjson::SUCCESS) return std::string(text);
  array parts;
  if (value.get(parts) != simdjson::SUCCESS) return invalid_type(where, "a string or an array");
  std::string joined;
  std::size_t index = 0;
  for (element part : parts) {
    const std::string at = fmt::format("{}[{}]", where, index++);
    std::string_view type;
    if (part["type"].get(type) != simdjson::SUCCESS) return invalid(at, at + ".type is missing.");
    if (type != "text") {
      return unsupported(at, fmt::format("content parts of type '{}' (only 'text' parts)", type));
    }
    if (part["text"].get(text) != simdjson::SUCCESS) return invalid_type(at + ".text", "a string");
    if (!joined.empty()) joined += '\n';
    joined += text;
  }
  return joined;
}

[[nodiscard]] result<tool_call> assistant_call_of(const element& item, const std::string& where) {
  tool_call call;
  std::string_view text;
  if (item["id"].get(text) != simdjson::SUCCESS || text.empty()) {
    return invalid(where + ".id", "Missing required parameter: '" + where + ".id'.");
  }
  call.id = text;
  if (item["type"].get(text) == simdjson::SUCCESS && text != "function") {
    return unsupported(where + ".type", "only 'function' tool calls");
  }
  if (item["function"]["name"].get(text) != simdjson::SUCCESS || text.empty()) {
    return invalid(where + ".function.name",
                   "Missing required parameter: '" + where + ".function.name'.");
  }
  call.name = text;
  if (item["function"]["arguments"].get(text) != simdjson::SUCCESS) {
    return invalid_type(where + ".function.arguments", "a string");
  }
  call.arguments = text;
  return call;
}

[[nodiscard]] result<chat_role> role_at(const object& message, const std::string& where) {
  std::string_view role;
  if (message["role"].get(role) != simdjson::SUCCESS) {
    return invalid(where + ".role", "Missing required parameter: '" + where + ".role'.");
  }
  if (role == "system" || role == "developer") return chat_role::system;
  if (role == "user") return chat_role::user;
  if (role == "assistant") return chat_role::assistant;
  if (role == "tool") return chat_role::tool;
  return invalid(where + ".role",
                 fmt::format("Invalid value for '{}.role': '{}' (expected system, developer, user, "
                             "assistant or tool).",
                             where, role));
}

[[nodiscard]] result<chat_message> message_of(const element& item, std::size_t index) {
  const std::string where = fmt::format("messages[{}]", index);
  object message;
  if (item.get(message) != simdjson::SUCCESS) return invalid_type(where, "an object");
  auto role = role_at(message, where);
  if (!role) return role.error();
  chat_message out;
  out.role = role.value();
  element value;
  if (given(message, "content", value)) {
    auto content = content_of(value, where + ".content");
    if (!content) return content.error();
    out.content = std::move(content).value();
  }
  if (out.role == chat_role::assistant && given(message, "tool_calls", value)) {
    array calls;
    if (value.get(calls) != simdjson::SUCCESS)
      return invalid_type(where + ".tool_calls", "an array");
    std::size_t at = 0;
    for (element call : calls) {
      auto parsed = assistant_call_of(call, fmt::format("{}.tool_calls[{}]", where, at++));
      if (!parsed) return parsed.error();
      out.tool_calls.push_back(std::move(parsed).value());
    }
  }
  if (out.role == chat_role::tool) {
    std::string_view id;
    if (message["tool_call_id"].get(id) != simdjson::SUCCESS || id.empty()) {
      return invalid(where + ".tool_call_id",
                     "Missing required parameter: '" + where + ".tool_call_id'.");
    }
    out.tool_call_id = id;
  }
  // DashScope refuses empty text; an assistant turn that only called tools has none.
  if (out.content.empty() && out.tool_calls.empty()) {
    return invalid(where + ".content", "'" + where + ".content' must be a non-empty string.");
  }
  return out;
}

[[nodiscard]] result<void> read_messages(const object& root, chat_request& request) {
  element value;
  if (!given(root, "messages", value)) {
    return invalid("messages", "Missing required parameter: 'messages'.");
  }
  array items;
  if (value.get(items) != simdjson::SUCCESS) return invalid_type("messages", "an array");
  if (items.size() == 0) {
    return invalid("messages", "'messages' must contain at least one message.");
  }
  bool has_user = false;
  std::size_t index = 0;
  for (element item : items) {
    auto message = message_of(item, index++);
    if (!message) return message.error();
    has_user = has_user || message.value().role == chat_role::user;
    request.messages.push_back(std::move(message).value());
  }
  if (!has_user) return invalid("messages", "'messages' must contain a message with role 'user'.");
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_sampling(const object& root, chat_request& request) {
  auto temperature = number_at(root, "temperature", request.temperature);
  if (!temperature) return temperature.error();
  if (request.temperature && !(*request.temperature >= 0.0 && *request.temperature < 2.0)) {
    return invalid("temperature", "Invalid value for 'temperature': expected a number in [0, 2).");
  }
  auto top_p = number_at(root, "top_p", request.top_p);
  if (!top_p) return top_p.error();
  if (request.top_p && !(*request.top_p > 0.0 && *request.top_p <= 1.0)) {
    return invalid("top_p", "Invalid value for 'top_p': expected a number in (0, 1].");
  }
  // max_completion_tokens is the newer name; it wins when both are sent.
  if (auto r = integer_at(root, "max_tokens", 1, max_tokens_limit, request.max_tokens); !r) {
    return r.error();
  }
  if (auto r = integer_at(root, "max_completion_tokens", 1, max_tokens_limit, request.max_tokens);
      !r) {
    return r.error();
  }
  auto& options = request.options;
  if (auto r = integer_at(root, "seed", 0, max_seed, options.seed); !r) return r.error();
  auto presence = number_at(root, "presence_penalty", options.presence_penalty);
  if (!presence) return presence.error();
  if (options.presence_penalty &&
      !(*options.presence_penalty >= -2.0 && *options.presence_penalty <= 2.0)) {
    return invalid("presence_penalty",
                   "Invalid value for 'presence_penalty': expected a number in [-2, 2].");
  }
  auto repetition = number_at(root, "repetition_penalty", options.repetition_penalty);
  if (!repetition) return repetition.error();
  if (options.repetition_penalty && !(*options.repetition_penalty > 0.0)) {
    return invalid("repetition_penalty",
                   "Invalid value for 'repetition_penalty': expected a number greater than 0.");
  }
  if (auto r =
          integer_at(root, "top_k", 0, std::numeric_limits<std::int64_t>::max(), options.top_k);
      !r) {
    return r.error();
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_stop(const object& root, generation_options& options) {
  element value;
  if (!given(root, "stop", value)) return boost::outcome_v2::success();
  std::string_view text;
  if (value.get(text) == simdjson::SUCCESS) {
    if (!text.empty()) options.stop.emplace_back(text);
    return boost::outcome_v2::success();
  }
  array items;
  if (value.get(items) != simdjson::SUCCESS) {
    return invalid_type("stop", "a string or an array of strings");
  }
  for (element item : items) {
    if (item.get(text) != simdjson::SUCCESS) {
      return invalid_type("stop", "a string or an array of strings");
    }
    if (!text.empty()) options.stop.emplace_back(text);
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_tools(const object& root, generation_options& options) {
  element value;
  if (given(root, "tools", value)) {
    array tools;
    if (value.get(tools) != simdjson::SUCCESS) return invalid_type("tools", "an array");
    std::size_t index = 0;
    for (element tool : tools) {
      const std::string at = fmt::format("tools[{}]", index++);
      std::string_view text;
      if (tool["type"].get(text) != simdjson::SUCCESS || text != "function") {
        return unsupported(at + ".type", "only 'function' tools");
      }
      if (tool["function"]["name"].get(text) != simdjson::SUCCESS || text.empty()) {
        return invalid(at + ".function.name",
                       "Missing required parameter: '" + at + ".function.name'.");
      }
      element parameters;
      if (tool["function"]["parameters"].get(parameters) == simdjson::SUCCESS &&
          !parameters.is_object()) {
        return invalid_type(at + ".function.parameters", "an object");
      }
    }
    if (tools.size() != 0) options.tools = simdjson::minify(value);
  }
  if (given(root, "tool_choice", value)) {
    std::string_view choice;
    if (value.get(choice) == simdjson::SUCCESS) {
      if (choice == "required") {
        return unsupported("tool_choice", "DashScope takes 'auto', 'none' or a named function");
      }
      if (choice != "auto" && choice != "none") {
        return invalid("tool_choice",
                       "Invalid value for 'tool_choice': expected 'auto', 'none' or an object.");
      }
    } else {
      std::string_view name;
      if (value["type"].get(choice) != simdjson::SUCCESS || choice != "function" ||
          value["function"]["name"].get(name) != simdjson::SUCCESS || name.empty()) {
        return invalid("tool_choice",
                       "Invalid value for 'tool_choice': expected {\"type\": \"function\", "
                       "\"function\": {\"name\": ...}}.");
      }
    }
    if (options.tools.empty()) {
      return invalid("tool_choice",
                     "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' "
                     "are specified.");
    }
    options.tool_choice = simdjson::minify(value);
  }
  if (auto r = flag_at(root, "parallel_tool_calls", options.parallel_tool_calls); !r) {
    return r.error();
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_format(const object& root, generation_options& options) {
  element value;
  if (!given(root, "response_format", value)) return boost::outcome_v2::success();
  std::string_view type;
  if (!value.is_object() || value["type"].get(type) != simdjson::SUCCESS) {
    return invalid("response_format", "Missing required parameter: 'response_format.type'.");
  }
  if (type != "text" && type != "json_object" && type != "json_schema") {
    return invalid("response_format",
                   fmt::format("Invalid value for 'response_format.type': '{}' (expected "
                               "'text', 'json_object' or 'json_schema').",
                               type));
  }
  if (type != "text") options.response_format = simdjson::minify(value);
  return boost::outcome_v2::success();
}

// OpenAI options DashScope has no equivalent for: refused unless they ask for the default.
[[nodiscard]] result<void> refuse_unsupported(const object& root) {
  element value;
  std::int64_t n = 1;
  if (given(root, "n", value) && (!is_integer(value) || value.get(n) != simdjson::SUCCESS)) {
    return invalid_type("n", "an integer");
  }
  if (n != 1) return unsupported("n", "only one choice (n = 1) per request");
  double number = 0;
  if (given(root, "frequency_penalty", value) &&
      (value.get(number) != simdjson::SUCCESS || number != 0.0)) {
    return unsupported("frequency_penalty",
                       "DashScope has none (use presence_penalty or repetition_penalty)");
  }
  bool flag = false;
  if (given(root, "logprobs", value) && (value.get(flag) != simdjson::SUCCESS || flag)) {
    return unsupported("logprobs", "log probabilities are not returned");
  }
  std::int64_t count = 0;
  if (given(root, "top_logprobs", value) && (value.get(count) != simdjson::SUCCESS || count != 0)) {
    return unsupported("top_logprobs", "log probabilities are not returned");
  }
  object bias;
  if (given(root, "logit_bias", value) &&
      (value.get(bias) != simdjson::SUCCESS || bias.size() != 0)) {
    return unsupported("logit_bias", "DashScope has no logit bias");
  }
  if (given(root, "audio", value)) return unsupported("audio", "text models only");
  array modalities;
  if (given(root, "modalities", value)) {
    if (value.get(modalities) != simdjson::SUCCESS) return invalid_type("modalities", "an array");
    for (element modality : modalities) {
      std::string_view name;
      if (modality.get(name) != simdjson::SUCCESS || name != "text") {
        return unsupported("modalities", "text output only");
      }
    }
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_qwen_options(const object& root, chat_request& request) {
  auto& options = request.options;
  if (auto r = flag_at(root, "enable_thinking", options.enable_thinking); !r) return r.error();
  if (auto r = integer_at(root, "thinking_budget", 1, max_tokens_limit, options.thinking_budget);
      !r) {
    return r.error();
  }
  if (auto r = flag_at(root, "enable_search", options.enable_search); !r) return r.error();
  if (options.enable_thinking.value_or(false) && !request.stream) {
    return unsupported("enable_thinking",
                       "DashScope answers thinking only as a stream (send \"stream\": true)");
  }
  element value;
  std::string_view user;
  if (given(root, "user", value) && value.get(user) != simdjson::SUCCESS) {
    return invalid_type("user", "a string");
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_stream(const object& root, openai_chat& chat) {
  std::optional<bool> stream;
  if (auto r = flag_at(root, "stream", stream); !r) return r.error();
  chat.request.stream = stream.value_or(false);
  element value;
  if (!given(root, "stream_options", value)) return boost::outcome_v2::success();
  if (!value.is_object()) return invalid_type("stream_options", "an object");
  if (!chat.request.stream) {
    return invalid("stream_options",
                   "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }
  element include;
  if (value["include_usage"].get(include) == simdjson::SUCCESS && !is_null(include) &&
      include.get(chat.include_usage) != simdjson::SUCCESS) {
    return invalid_type("stream_options.include_usage", "a boolean");
  }
  return boost::outcome_v2::success();
}

}  // namespace

result<openai_chat> parse_openai_chat(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  element document;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return invalid({}, "We could not parse the JSON body of your request: it is not valid JSON.");
  }
  object root;
  if (document.get(root) != simdjson::SUCCESS) {
    return invalid({}, "The body of your request must be a JSON object.");
  }
  openai_chat chat;
  auto& request = chat.request;
  element value;
  std::string_view model;
  if (!given(root, "model", value)) {
    return invalid("model", "You must provide a model parameter.");
  }
  if (value.get(model) != simdjson::SUCCESS) return invalid_type("model", "a string");
  if (model.empty()) return invalid("model", "You must provide a model parameter.");
  request.model = model;

  if (auto r = read_messages(root, request); !r) return r.error();
  if (auto r = read_stream(root, chat); !r) return r.error();
  if (auto r = read_sampling(root, request); !r) return r.error();
  if (auto r = read_stop(root, request.options); !r) return r.error();
  if (auto r = read_tools(root, request.options); !r) return r.error();
  if (auto r = read_format(root, request.options); !r) return r.error();
  if (auto r = refuse_unsupported(root); !r) return r.error();
  if (auto r = read_qwen_options(root, request); !r) return r.error();
  return chat;
}

}  // namespace qgate::http
