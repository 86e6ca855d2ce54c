// Reads the errors of OpenAI-compatible upstreams into the one shared mapping.
#include "upstream/openai_error.hpp"

#include "upstream/decoder_parts.hpp"
#include "upstream/upstream_error.hpp"

namespace qgate::upstream {
namespace {

bool is_error_status(std::int64_t status) { return status >= 400 && status <= 599; }

// vLLM states the status as a number: `{"error":{"code":400,...}}`, or `{"code":400,...}` in
// older versions.
long stated_status(std::string_view json) {
  simdjson::dom::element root;
  if (thread_json_parser().parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return unstated_error_status;
  }
  std::int64_t status = 0;
  if (root["error"]["code"].get(status) == simdjson::SUCCESS && is_error_status(status)) {
    return static_cast<long>(status);
  }
  if (root["code"].get(status) == simdjson::SUCCESS && is_error_status(status)) {
    return static_cast<long>(status);
  }
  return unstated_error_status;
}

}  // namespace

decoded openai_error_value(std::string_view json, std::optional<long> http_status, bool stream,
                           const token_usage& usage) {
  const long status = http_status ? *http_status : stated_status(json);
  const auto body = parse_error_body(json);
  if (is_data_inspection(body)) {
    if (stream) return filtered_delta(usage);
    return filtered_completion();
  }
  return classify_upstream_error(status, body);
}

}  // namespace qgate::upstream
