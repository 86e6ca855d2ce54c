// Parses OpenAI-compatible chunks and completions into qgate's chat values.
#include "upstream/openai_response.hpp"

#include "upstream/decoder_parts.hpp"
#include "upstream/openai_error.hpp"

namespace qgate::upstream {
namespace {

token_usage parse_usage(simdjson::dom::object usage) {
  token_usage out;
  const auto read = [&](const char* key, std::int64_t& value) {
    return usage[key].get(value) == simdjson::SUCCESS;
  };
  read("prompt_tokens", out.input_tokens);
  read("completion_tokens", out.output_tokens);
  if (!read("total_tokens", out.total_tokens)) {
    out.total_tokens = out.input_tokens + out.output_tokens;
  }
  std::int64_t count = 0;
  if (usage["prompt_tokens_details"]["cached_tokens"].get(count) == simdjson::SUCCESS) {
    out.cached_tokens = count;
  }
  if (usage["completion_tokens_details"]["reasoning_tokens"].get(count) == simdjson::SUCCESS) {
    out.reasoning_tokens = count;
  }
  return out;
}

bool has_error_object(simdjson::dom::element root) {
  simdjson::dom::element found;
  return root["error"].get(found) == simdjson::SUCCESS && !found.is_null();
}

// The choice qgate asked for (it never sends `n`): the one with index 0, or without an index.
bool first_choice(simdjson::dom::element root, simdjson::dom::element& choice) {
  simdjson::dom::array choices;
  if (root["choices"].get(choices) != simdjson::SUCCESS) return false;
  for (simdjson::dom::element item : choices) {
    std::int64_t index = 0;
    if (item["index"].get(index) != simdjson::SUCCESS || index == 0) {
      choice = item;
      return true;
    }
  }
  return false;
}

// content, reasoning (`reasoning_content`; vLLM and Ollama also say `reasoning`) and tool calls
// of a message or a delta. JSON null reads as empty.
[[nodiscard]] result<chat_delta> parse_message(simdjson::dom::element message) {
  chat_delta step;
  std::string_view text;
  if (message["content"].get(text) == simdjson::SUCCESS) step.content = text;
  if (message["reasoning_content"].get(text) == simdjson::SUCCESS ||
      message["reasoning"].get(text) == simdjson::SUCCESS) {
    step.reasoning_content = text;
  }
  auto calls = parse_tool_calls(message);
  if (!calls) return calls.error();
  step.tool_calls = std::move(calls).value();
  return step;
}

}  // namespace

result<openai_chunk> parse_openai_chunk(std::string_view data) {
  simdjson::dom::element root;
  if (thread_json_parser().parse(data.data(), data.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return unparsable("invalid JSON in stream event");
  }
  openai_chunk chunk;
  if (has_error_object(root)) {
    chunk.is_error = true;
    return chunk;
  }
  simdjson::dom::element choice;
  if (first_choice(root, choice)) {
    simdjson::dom::element delta;
    if (choice["delta"].get(delta) == simdjson::SUCCESS && delta.is_object()) {
      auto step = parse_message(delta);
      if (!step) return step.error();
      chunk.step = std::move(step).value();
    }
    chunk.step.finish = parse_finish_reason(choice);
  }
  simdjson::dom::object usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS) {
    chunk.step.usage = parse_usage(usage);
    chunk.has_usage = true;
  }
  return chunk;
}

decoded parse_openai_answer(std::string_view body) {
  simdjson::dom::element root;
  if (thread_json_parser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return unparsable("invalid JSON body");
  }
  simdjson::dom::element choice;
  if (!first_choice(root, choice)) {
    if (has_error_object(root)) return openai_error_value(body, std::nullopt, false);
    return unparsable("no choices");
  }
  simdjson::dom::element message;
  if (choice["message"].get(message) != simdjson::SUCCESS || !message.is_object()) {
    return unparsable("no message");
  }
  auto whole = parse_message(message);
  if (!whole) return whole.error();
  chat_completion completion;
  completion.content = std::move(whole.value().content);
  completion.reasoning_content = std::move(whole.value().reasoning_content);
  completion.tool_calls = whole_calls(whole.value().tool_calls);
  completion.finish = parse_finish_reason(choice).value_or(finish_reason::stop);
  simdjson::dom::object usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS) completion.usage = parse_usage(usage);
  return completion;
}

}  // namespace qgate::upstream
