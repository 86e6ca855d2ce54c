// The DashScope native decoder: message and text result formats, `event:result` and `event:error`
// SSE frames, and a whole JSON body.
#include "upstream/response_decoder.hpp"

#include "upstream/decoder_parts.hpp"

namespace qgate::upstream {
namespace {

token_usage parse_usage(simdjson::dom::element root) {
  token_usage usage;
  simdjson::dom::object object;
  if (root["usage"].get(object) != simdjson::SUCCESS) return usage;
  const auto read = [&](const char* key, std::int64_t& out) {
    return object[key].get(out) == simdjson::SUCCESS;
  };
  read("input_tokens", usage.input_tokens);
  read("output_tokens", usage.output_tokens);
  if (!read("total_tokens", usage.total_tokens)) {
    usage.total_tokens = usage.input_tokens + usage.output_tokens;
  }
  std::int64_t count = 0;
  if (object["prompt_tokens_details"]["cached_tokens"].get(count) == simdjson::SUCCESS) {
    usage.cached_tokens = count;
  }
  if (object["output_tokens_details"]["reasoning_tokens"].get(count) == simdjson::SUCCESS) {
    usage.reasoning_tokens = count;
  }
  return usage;
}

// Both result formats: output.choices[0].message.content ("message") or output.text ("text").
[[nodiscard]] result<chat_delta> parse_output(simdjson::dom::element root) {
  simdjson::dom::element output;
  if (root["output"].get(output) != simdjson::SUCCESS || !output.is_object()) {
    return unparsable("no output object");
  }
  chat_delta delta;
  simdjson::dom::array choices;
  if (output["choices"].get(choices) == simdjson::SUCCESS) {
    simdjson::dom::element first;
    if (choices.at(0).get(first) != simdjson::SUCCESS) return unparsable("empty choices");
    simdjson::dom::element message;
    if (first["message"].get(message) == simdjson::SUCCESS) {
      std::string_view text;
      if (message["content"].get(text) == simdjson::SUCCESS) delta.content = text;
      if (message["reasoning_content"].get(text) == simdjson::SUCCESS) {
        delta.reasoning_content = text;
      }
      auto calls = parse_tool_calls(message);
      if (!calls) return calls.error();
      delta.tool_calls = std::move(calls).value();
    }
    delta.finish = parse_finish_reason(first);
  } else {
    std::string_view text;
    if (output["text"].get(text) == simdjson::SUCCESS) delta.content = text;
    delta.finish = parse_finish_reason(output);
  }
  delta.usage = parse_usage(root);
  return delta;
}

}  // namespace

result<chat_delta> parse_stream_event(std::string_view data) {
  simdjson::dom::element root;
  if (thread_json_parser().parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
    return unparsable("invalid JSON in stream event");
  }
  return parse_output(root);
}

result<chat_completion> parse_unary_response(std::string_view body) {
  simdjson::dom::element root;
  if (thread_json_parser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return unparsable("invalid JSON body");
  }
  auto delta = parse_output(root);
  if (!delta) return delta.error();
  auto& whole = delta.value();
  chat_completion completion;
  completion.content = std::move(whole.content);
  completion.reasoning_content = std::move(whole.reasoning_content);
  completion.tool_calls = whole_calls(whole.tool_calls);
  completion.finish = whole.finish.value_or(finish_reason::stop);
  completion.usage = whole.usage;
  return completion;
}

void response_decoder::on_event(sse_event& event, std::vector<decoded>& out) {
  if (event.event == "error") {
    const auto body = parse_error_body(event.data);
    if (is_data_inspection(body)) {
      emit(filtered_delta(last_usage_), out);
      return;
    }
    emit(classify_upstream_error(event.http_status.value_or(400), body), out);
    return;
  }
  auto delta = parse_stream_event(event.data);
  if (!delta) {
    emit(delta.error(), out);
    return;
  }
  last_usage_ = delta.value().usage;
  emit(std::move(delta).value(), out);
}

void response_decoder::on_end(const transfer_outcome& outcome, std::vector<decoded>& out) {
  if (finished()) return;
  if (streaming_body()) {
    drain_events(out);
    // A cut or stalled stream is never presented as a normal end.
    if (!finished()) emit(classify_transfer_failure(outcome), out);
    return;
  }
  if (outcome.failure != transfer_failure::none) {
    emit(classify_transfer_failure(outcome), out);
    return;
  }
  if (http_status() == 200) {
    auto completion = parse_unary_response(body());
    if (completion && stream()) {
      emit(as_delta(std::move(completion).value()), out);
    } else if (completion) {
      emit(std::move(completion).value(), out);
    } else {
      emit(completion.error(), out);
    }
    return;
  }
  const auto error_body = parse_error_body(body());
  if (is_data_inspection(error_body)) {
    if (stream()) {
      emit(filtered_delta({}), out);
    } else {
      emit(filtered_completion(), out);
    }
    return;
  }
  emit(classify_upstream_error(http_status(), error_body), out);
}

}  // namespace qgate::upstream
