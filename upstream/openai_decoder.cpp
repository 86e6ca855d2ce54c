// The OpenAI-compatible decoder: `data:` chunks up to `data: [DONE]`, error events of both
// shapes, and a whole JSON body.
#include "upstream/openai_decoder.hpp"

#include "upstream/decoder_parts.hpp"
#include "upstream/openai_error.hpp"
#include "upstream/openai_response.hpp"
#include "upstream/upstream_error.hpp"

namespace qgate::upstream {
namespace {

constexpr std::string_view done_marker = "[DONE]";

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool carries_output(const chat_delta& step) {
  return !step.content.empty() || !step.reasoning_content.empty() || !step.tool_calls.empty();
}

// Output that came after the finishing chunk (some servers split the last chunk) is kept.
void merge_into(chat_delta& held, chat_delta& late) {
  held.content += late.content;
  held.reasoning_content += late.reasoning_content;
  for (auto& call : late.tool_calls) held.tool_calls.push_back(std::move(call));
}

}  // namespace

void openai_decoder::on_event(sse_event& event, std::vector<decoded>& out) {
  // DashScope's native `event:error` frame is seen inside compatible-mode streams too.
  if (event.event == "error") {
    on_error_event(event, out);
    return;
  }
  if (trimmed(event.data) == done_marker) {
    on_done(out);
    return;
  }
  auto chunk = parse_openai_chunk(event.data);
  if (!chunk) {
    emit(chunk.error(), out);
    return;
  }
  if (chunk.value().is_error) {
    on_error_event(event, out);
    return;
  }
  auto& step = chunk.value().step;
  if (chunk.value().has_usage) {
    last_usage_ = step.usage;
    if (final_) final_->usage = last_usage_;
  }
  if (final_) {
    merge_into(*final_, step);
  } else if (step.finish) {
    step.usage = last_usage_;
    final_ = std::move(step);
  } else if (carries_output(step)) {
    emit(std::move(step), out);
  }
}

void openai_decoder::on_error_event(const sse_event& event, std::vector<decoded>& out) {
  std::optional<long> status;
  if (event.http_status) status = *event.http_status;
  emit(openai_error_value(event.data, status, true, last_usage_), out);
}

void openai_decoder::on_done(std::vector<decoded>& out) {
  if (final_) {
    emit(std::move(*final_), out);
  } else {
    // [DONE] before any finish_reason: the answer was cut short upstream.
    emit(classify_transfer_failure({}), out);
  }
}

void openai_decoder::on_end(const transfer_outcome& outcome, std::vector<decoded>& out) {
  if (finished()) return;
  if (streaming_body()) {
    drain_events(out);
    if (finished()) return;
    if (final_) {
      // After a finish_reason the answer is whole; only the usage trailer or [DONE] is missing.
      emit(std::move(*final_), out);
    } else {
      // A cut or stalled stream is never presented as a normal end.
      emit(classify_transfer_failure(outcome), out);
    }
    return;
  }
  if (outcome.failure != transfer_failure::none) {
    emit(classify_transfer_failure(outcome), out);
    return;
  }
  if (http_status() != 200) {
    emit(openai_error_value(body(), http_status(), stream()), out);
    return;
  }
  auto answer = parse_openai_answer(body());
  if (auto* completion = std::get_if<chat_completion>(&answer); completion != nullptr && stream()) {
    emit(as_delta(std::move(*completion)), out);
    return;
  }
  emit(std::move(answer), out);
}

}  // namespace qgate::upstream
