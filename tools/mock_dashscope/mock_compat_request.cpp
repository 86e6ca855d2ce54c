// OpenAI request parsing; the messages and parameters go through the native endpoint's readers.
#include "tools/mock_dashscope/mock_compat_request.hpp"

#include "tools/mock_dashscope/mock_messages.hpp"
#include "tools/mock_dashscope/mock_parameters.hpp"

#include <simdjson.h>

namespace qgate::mock {
namespace {

using simdjson::SUCCESS;

// A key that is absent or JSON null: left at its default.
bool unset(const simdjson::simdjson_result<simdjson::dom::element>& field) {
  return field.error() != SUCCESS || field.is_null();
}

std::optional<upstream_error> read_streaming(simdjson::dom::object root, compat_request& r) {
  const auto stream = root["stream"];
  if (!unset(stream) && stream.get(r.stream) != SUCCESS) return invalid_request();
  const auto options = root["stream_options"];
  if (unset(options)) return std::nullopt;
  simdjson::dom::object object;
  if (options.get(object) != SUCCESS) return invalid_request();
  const auto usage = object["include_usage"];
  if (!unset(usage) && usage.get(r.include_usage) != SUCCESS) return invalid_request();
  return std::nullopt;
}

}  // namespace

std::variant<compat_request, upstream_error> parse_compat(std::string_view body, bool any_model) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (parser.parse(body.data(), body.size()).get(root) != SUCCESS) {
    return invalid_parameter("Required body invalid, please check the request body format.");
  }
  compat_request r;
  generation& g = r.g;
  std::string_view model;
  if (root["model"].get(model) != SUCCESS || model.empty()) {
    return upstream_error{400, "BadRequest.EmptyModel", "you must provide a model parameter."};
  }
  if (!any_model && !known_model(model)) {
    return upstream_error{
        404, "ModelNotFound",
        "The model `" + std::string(model) + "` does not exist or you do not have access to it."};
  }
  g.model = model;
  simdjson::dom::array messages;
  if (root["messages"].get(messages) != SUCCESS) return invalid_request();
  if (auto failure = read_messages(messages, g)) return *failure;
  if (auto failure = read_streaming(root, r)) return *failure;
  if (auto failure = read_parameter_object(root, g)) return *failure;
  g.message_format = true;
  g.incremental = true;
  read_overrides(g);
  return r;
}

}  // namespace qgate::mock
