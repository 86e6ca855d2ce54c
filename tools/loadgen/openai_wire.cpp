// Judges for OpenAI's Chat Completions shapes: `chat.completion` bodies and the
// `chat.completion.chunk` stream (content, reasoning and tool-call deltas, a finish chunk, with
// `stream_options.include_usage` a last chunk with `"choices":[]` and `usage`), and the
// `{"error":{…}}` event a server sends when a stream fails after it began.
#include "tools/loadgen/wire_judges.hpp"

namespace qgate::loadgen::judges {
namespace {

std::optional<std::uint64_t> completion_tokens(simdjson::dom::element root) {
  simdjson::dom::element usage;
  // `"usage":null` on every chunk but the last is what include_usage looks like.
  if (root["usage"].get(usage) != simdjson::SUCCESS || !usage.is_object()) return std::nullopt;
  return read_count(usage, "completion_tokens");
}

bool non_empty_string(simdjson::dom::element holder, std::string_view key) {
  std::string_view text;
  return holder[key].get(text) == simdjson::SUCCESS && !text.empty();
}

// A delta that carries generated tokens; the first chunk's `{"role":"assistant","content":""}`
// and the finish chunk's `{}` do not.
bool carries_tokens(simdjson::dom::element delta) {
  simdjson::dom::array calls;
  return non_empty_string(delta, "content") || non_empty_string(delta, "reasoning_content") ||
         (delta["tool_calls"].get(calls) == simdjson::SUCCESS && calls.size() != 0);
}

}  // namespace

frame_verdict openai_frame(simdjson::dom::element root) {
  frame_verdict v;
  simdjson::dom::element error;
  if (root["error"].get(error) == simdjson::SUCCESS && !error.is_null()) {
    v.error = true;
    return v;
  }
  simdjson::dom::array choices;
  if (root["choices"].get(choices) != simdjson::SUCCESS) {
    v.malformed = true;
    return v;
  }
  simdjson::dom::element first;
  if (choices.at(0).get(first) == simdjson::SUCCESS) {
    simdjson::dom::element delta;
    v.content = first["delta"].get(delta) == simdjson::SUCCESS && carries_tokens(delta);
    v.finished = names_finish(first);
  }
  v.output_tokens = completion_tokens(root);
  return v;
}

body_verdict openai_body(simdjson::dom::element root) {
  body_verdict v;
  simdjson::dom::element message;
  if (root["choices"].at(0)["message"].get(message) != simdjson::SUCCESS || !message.is_object()) {
    return v;
  }
  v.ok = true;
  v.output_tokens = completion_tokens(root);
  return v;
}

}  // namespace qgate::loadgen::judges
