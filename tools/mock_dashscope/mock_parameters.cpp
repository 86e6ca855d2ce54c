// Parameter validation. DashScope documents exact messages for the sampling ranges; for a tool or
// thinking parameter of the wrong shape it documents none, so those get its catch-all message.
#include "tools/mock_dashscope/mock_parameters.hpp"

#include "tools/mock_dashscope/mock_options.hpp"

#include <algorithm>

namespace qgate::mock {
namespace {

using simdjson::SUCCESS;

// A key that is absent or JSON null: left at its default.
bool unset(const simdjson::simdjson_result<simdjson::dom::element>& field) {
  return field.error() != SUCCESS || field.is_null();
}

std::optional<upstream_error> read_sampling(simdjson::dom::object parameters, generation& g) {
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
  if (!unset(max_tokens_field)) {
    std::int64_t max_tokens = 0;
    if (max_tokens_field.get(max_tokens) != SUCCESS || max_tokens < 1 ||
        max_tokens > max_tokens_limit) {
      return invalid_parameter("Range of max_tokens should be [1, 8192]");
    }
    g.max_tokens = max_tokens;
  }
  return std::nullopt;
}

// tools: [{"type":"function","function":{"name":..., "description"?, "parameters"?}}, ...]
std::optional<upstream_error> read_tools(simdjson::dom::object parameters, generation& g) {
  const auto field = parameters["tools"];
  if (unset(field)) return std::nullopt;
  simdjson::dom::array tools;
  if (field.get(tools) != SUCCESS) return invalid_request();
  for (const auto tool : tools) {
    std::string_view type;
    std::string_view name;
    if (tool["type"].get(type) != SUCCESS || type != "function" ||
        tool["function"]["name"].get(name) != SUCCESS || name.empty()) {
      return invalid_request();
    }
    g.tools.emplace_back(name);
  }
  return std::nullopt;
}

std::optional<upstream_error> read_tool_choice(simdjson::dom::object parameters, generation& g) {
  const auto field = parameters["tool_choice"];
  if (unset(field)) return std::nullopt;
  std::string_view text;
  if (field.get(text) == SUCCESS) {
    if (text == "auto") return std::nullopt;
    if (text != "none") return invalid_request();
    g.choice = tool_choice::none;
    return std::nullopt;
  }
  std::string_view type;
  if (field["type"].get(type) != SUCCESS || type != "function" ||
      field["function"]["name"].get(text) != SUCCESS ||
      std::find(g.tools.begin(), g.tools.end(), text) == g.tools.end()) {
    return invalid_request();  // also a name that is not among the tools
  }
  g.choice = tool_choice::named;
  g.chosen_tool = text;
  return std::nullopt;
}

std::optional<upstream_error> read_flag(simdjson::dom::object parameters, const char* key,
                                        bool& into) {
  const auto field = parameters[key];
  if (unset(field)) return std::nullopt;
  if (field.get(into) != SUCCESS) return invalid_request();
  return std::nullopt;
}

std::optional<upstream_error> read_thinking(simdjson::dom::object parameters, generation& g) {
  if (auto failure = read_flag(parameters, "enable_thinking", g.enable_thinking)) return failure;
  const auto field = parameters["thinking_budget"];
  if (unset(field)) return std::nullopt;
  std::int64_t budget = 0;
  if (field.get(budget) != SUCCESS || budget < 1) return invalid_request();
  g.thinking_budget = budget;
  return std::nullopt;
}

}  // namespace

upstream_error invalid_request() {
  return invalid_parameter(
      "Required parameter(s) missing or invalid, please check the request parameters.");
}

std::optional<upstream_error> read_parameters(simdjson::dom::element root, generation& g) {
  simdjson::dom::object parameters;
  if (root["parameters"].get(parameters) != SUCCESS) return std::nullopt;
  return read_parameter_object(parameters, g);
}

std::optional<upstream_error> read_parameter_object(simdjson::dom::object parameters,
                                                    generation& g) {
  if (auto failure = read_sampling(parameters, g)) return failure;
  if (auto failure = read_tools(parameters, g)) return failure;
  if (auto failure = read_tool_choice(parameters, g)) return failure;
  if (auto failure = read_flag(parameters, "parallel_tool_calls", g.parallel_tool_calls)) {
    return failure;
  }
  return read_thinking(parameters, g);
}

}  // namespace qgate::mock
