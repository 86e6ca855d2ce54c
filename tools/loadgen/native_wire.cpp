// Judges for the two native wire formats: qgate's seed API (`{"content":…}` frames in the
// `{"code","message","data"}` envelope) and DashScope's (`{"output":…,"usage":…}`); both report
// usage as `usage.output_tokens`, DashScope cumulatively in every event.
#include "tools/loadgen/wire_judges.hpp"

namespace qgate::loadgen::judges {
namespace {

std::optional<std::uint64_t> output_tokens(simdjson::dom::element holder) {
  simdjson::dom::element usage;
  if (holder["usage"].get(usage) != simdjson::SUCCESS) return std::nullopt;
  return read_count(usage, "output_tokens");
}

bool has(simdjson::dom::element object, std::string_view key) {
  return object[key].error() == simdjson::SUCCESS;
}

}  // namespace

frame_verdict gateway_frame(simdjson::dom::element root) {
  frame_verdict v;
  std::string_view text;
  if (root["content"].get(text) == simdjson::SUCCESS) {
    v.content = true;
    v.finished = names_finish(root);
    v.output_tokens = output_tokens(root);
  } else if (has(root, "code")) {
    v.error = true;  // `{"code":502|504,"message":…,"data":null,"error":…}` after the stream began
  } else {
    v.malformed = true;
  }
  return v;
}

frame_verdict dashscope_frame(simdjson::dom::element root) {
  frame_verdict v;
  simdjson::dom::element output;
  if (root["output"].get(output) != simdjson::SUCCESS || !output.is_object()) {
    // An `event:error` carries `{"code":…,"message":…,"request_id":…}`.
    v.error = has(root, "code") && has(root, "message");
    v.malformed = !v.error;
    return v;
  }
  v.content = true;
  // The text format names the reason on `output`, the message format on each choice.
  simdjson::dom::element choice;
  v.finished = names_finish(output) ||
               (output["choices"].at(0).get(choice) == simdjson::SUCCESS && names_finish(choice));
  v.ends_stream = v.finished;
  v.output_tokens = output_tokens(root);
  return v;
}

body_verdict gateway_body(simdjson::dom::element root) {
  body_verdict v;
  simdjson::dom::element data;
  if (root["data"].get(data) != simdjson::SUCCESS || !data.is_object()) return v;
  v.ok = true;
  v.output_tokens = output_tokens(data);
  return v;
}

body_verdict dashscope_body(simdjson::dom::element root) {
  body_verdict v;
  simdjson::dom::element output;
  if (root["output"].get(output) != simdjson::SUCCESS || !output.is_object()) return v;
  v.ok = true;
  v.output_tokens = output_tokens(root);
  return v;
}

}  // namespace qgate::loadgen::judges
