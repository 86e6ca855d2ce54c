#include "tools/mock_dashscope/mock_request.hpp"

#include <simdjson.h>

#include <charconv>

namespace qgate::mock {
namespace {

upstream_error invalid(std::string message) { return {400, "InvalidParameter", std::move(message)}; }

std::optional<int> marker_number(std::string_view text, std::string_view name) {
  const std::string open = "[[" + std::string(name) + ":";
  const auto at = text.find(open);
  if (at == std::string_view::npos) return std::nullopt;
  const auto digits = text.substr(at + open.size());
  int value = 0;
  const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (parsed.ec != std::errc{}) return std::nullopt;
  return value;
}

fault marker_fault(std::string_view text) {
  constexpr std::string_view open = "[[fault:";
  const auto at = text.find(open);
  if (at == std::string_view::npos) return fault::none;
  const auto rest = text.substr(at + open.size());
  return fault_from_name(rest.substr(0, rest.find("]]"))).value_or(fault::none);
}

void read_markers(generation& g) {
  g.chunks = marker_number(g.last_user_content, "chunks");
  g.interval_ms = marker_number(g.last_user_content, "interval");
  g.first_byte_ms = marker_number(g.last_user_content, "first-byte");
  g.scripted = marker_fault(g.last_user_content);
}

std::optional<upstream_error> read_messages(simdjson::dom::element input, generation& g) {
  simdjson::dom::array messages;
  std::string_view prompt;
  if (input["messages"].get(messages) != simdjson::SUCCESS) {
    if (input["prompt"].get(prompt) != simdjson::SUCCESS) {
      return invalid("Either \"prompt\" or \"messages\" must exist and cannot both be none");
    }
    g.last_user_content = prompt;
    g.input_tokens = count_code_points(prompt);
    return std::nullopt;
  }
  const auto empty = invalid("Role must be user or assistant and Content length must be greater than 0");
  if (messages.size() == 0) return empty;
  bool has_user = false;
  for (auto message : messages) {
    std::string_view role;
    std::string_view content;
    if (message["role"].get(role) != simdjson::SUCCESS) return empty;
    if (message["content"].get(content) != simdjson::SUCCESS) return invalid("input content must be a string.");
    if (content.empty()) return empty;
    g.input_tokens += count_code_points(content);
    if (role == "user") {
      has_user = true;
      g.last_user_content = content;
    }
  }
  if (!has_user) return invalid("The input messages do not contain elements with the role of user.");
  return std::nullopt;
}

std::optional<upstream_error> read_parameters(simdjson::dom::element root, generation& g) {
  simdjson::dom::object parameters;
  if (root["parameters"].get(parameters) != simdjson::SUCCESS) return std::nullopt;
  std::string_view format;
  if (parameters["result_format"].get(format) == simdjson::SUCCESS) g.message_format = format == "message";
  bool incremental = false;
  if (parameters["incremental_output"].get(incremental) == simdjson::SUCCESS) g.incremental = incremental;
  double number = 0;
  if (parameters["temperature"].get(number) == simdjson::SUCCESS && !(number >= 0.0 && number < 2.0)) {
    return invalid("Temperature should be in [0.0, 2.0)");
  }
  if (parameters["top_p"].get(number) == simdjson::SUCCESS && !(number > 0.0 && number <= 1.0)) {
    return invalid("Range of top_p should be (0.0, 1.0]");
  }
  std::int64_t max_tokens = 0;
  if (parameters["max_tokens"].get(max_tokens) == simdjson::SUCCESS) {
    if (max_tokens < 1 || max_tokens > 8192) return invalid("Range of max_tokens should be [1, 8192]");
    g.max_tokens = max_tokens;
  }
  return std::nullopt;
}

}  // namespace

std::optional<fault> fault_from_name(std::string_view name) {
  static constexpr std::pair<std::string_view, fault> names[] = {
      {"auth", fault::auth},           {"throttle", fault::throttle},
      {"internal", fault::internal},   {"unavailable", fault::unavailable},
      {"inspect", fault::inspect},     {"inspect-mid", fault::inspect_mid},
      {"stall-first", fault::stall_first}, {"stall-mid", fault::stall_mid},
      {"drop-mid", fault::drop_mid},   {"malformed", fault::malformed}};
  for (const auto& [text, value] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::int64_t count_code_points(std::string_view text) {
  std::int64_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

parsed_generation parse_generation(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || !root.is_object()) {
    return {std::nullopt, invalid("Required body invalid, please check the request body format.")};
  }
  generation g;
  std::string_view model;
  if (root["model"].get(model) != simdjson::SUCCESS || model.empty()) {
    return {std::nullopt, upstream_error{400, "BadRequest.EmptyModel", "Required parameter \"model\" missing from request."}};
  }
  if (!model.starts_with("qwen")) return {std::nullopt, invalid("Model not exist.")};
  g.model = model;
  simdjson::dom::element input;
  if (root["input"].get(input) != simdjson::SUCCESS) {
    return {std::nullopt, upstream_error{400, "BadRequest.EmptyInput", "Required input parameter missing from request."}};
  }
  if (auto failure = read_messages(input, g)) return {std::nullopt, failure};
  if (auto failure = read_parameters(root, g)) return {std::nullopt, failure};
  read_markers(g);
  return {std::move(g), std::nullopt};
}

upstream_error error_of(fault f) {
  switch (f) {
    case fault::auth:
      return {401, "InvalidApiKey", "Invalid API-key provided."};
    case fault::throttle:
      return {429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later."};
    case fault::internal:
      return {500, "InternalError", "An internal error has occured, please try again later or contact service support."};
    case fault::unavailable:
      return {503, "ModelUnavailable", "Model is unavailable, please try again later."};
    case fault::inspect:
      return {400, "DataInspectionFailed", "Input data may contain inappropriate content."};
    case fault::inspect_mid:
      return {400, "DataInspectionFailed", "Output data may contain inappropriate content."};
    default:
      return {500, "InternalError", "An internal error has occured, please try again later or contact service support."};
  }
}

}  // namespace qgate::mock
