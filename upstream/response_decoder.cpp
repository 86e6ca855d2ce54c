#include "upstream/response_decoder.hpp"

#include "messages/untrusted_text.hpp"

#include <simdjson.h>

namespace qgate::upstream {
namespace {

// One parser per thread: parsing reuses its buffers instead of allocating per event.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

error unparsable(std::string_view what) {
  return make_error(errc::upstream_error, "无法解析的上游响应 (" + std::string(what) + ")");
}

std::optional<finish_reason> parse_finish_reason(simdjson::dom::element holder) {
  std::string_view reason;
  if (holder["finish_reason"].get(reason) != simdjson::SUCCESS || reason == "null" ||
      reason.empty()) {
    return std::nullopt;
  }
  if (reason == "length") return finish_reason::length;
  if (reason == "tool_calls") return finish_reason::tool_calls;
  if (reason == "content_filter") return finish_reason::content_filter;
  return finish_reason::stop;
}

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

// `message.tool_calls`: each entry a whole call (non-stream) or a fragment of one (stream).
[[nodiscard]] result<std::vector<tool_call_delta>> parse_tool_calls(
    simdjson::dom::element message) {
  std::vector<tool_call_delta> calls;
  simdjson::dom::array items;
  if (message["tool_calls"].get(items) != simdjson::SUCCESS) return calls;
  std::int64_t position = 0;
  for (simdjson::dom::element item : items) {
    tool_call_delta call;
    if (item["index"].get(call.index) != simdjson::SUCCESS) call.index = position;
    if (call.index < 0 || call.index > 127) return unparsable("tool call index out of range");
    std::string_view text;
    if (item["id"].get(text) == simdjson::SUCCESS) call.id = text;
    if (item["function"]["name"].get(text) == simdjson::SUCCESS) call.name = text;
    if (item["function"]["arguments"].get(text) == simdjson::SUCCESS) call.arguments = text;
    calls.push_back(std::move(call));
    ++position;
  }
  return calls;
}

// Fragments joined into whole calls, in index order.
std::vector<tool_call> whole_calls(const std::vector<tool_call_delta>& fragments) {
  std::vector<tool_call> calls;
  std::vector<std::int64_t> indices;
  for (const auto& fragment : fragments) {
    std::size_t at = 0;
    while (at < indices.size() && indices[at] != fragment.index) ++at;
    if (at == indices.size()) {
      indices.push_back(fragment.index);
      calls.emplace_back();
    }
    auto& call = calls[at];
    if (call.id.empty()) call.id = fragment.id;
    if (call.name.empty()) call.name = fragment.name;
    call.arguments += fragment.arguments;
  }
  return calls;
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

chat_delta filtered_delta(const token_usage& usage) {
  chat_delta delta;
  delta.finish = finish_reason::content_filter;
  delta.usage = usage;
  return delta;
}

// A whole answer as the one and last step of a stream.
chat_delta as_delta(chat_completion completion) {
  chat_delta delta;
  delta.content = std::move(completion.content);
  delta.reasoning_content = std::move(completion.reasoning_content);
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    auto& call = completion.tool_calls[i];
    delta.tool_calls.push_back({static_cast<std::int64_t>(i), std::move(call.id),
                                std::move(call.name), std::move(call.arguments)});
  }
  delta.finish = completion.finish;
  delta.usage = completion.usage;
  return delta;
}

std::string_view sse_data_line(std::string_view body) {
  const std::size_t at = body.find("data:");
  if (at == std::string_view::npos) return {};
  std::string_view line = body.substr(at + 5);
  return line.substr(0, line.find_first_of("\r\n"));
}

}  // namespace

result<chat_delta> parse_stream_event(std::string_view data) {
  simdjson::dom::element root;
  if (thread_parser().parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
    return unparsable("invalid JSON in stream event");
  }
  return parse_output(root);
}

result<chat_completion> parse_unary_response(std::string_view body) {
  simdjson::dom::element root;
  if (thread_parser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
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

upstream_error_body parse_error_body(std::string_view body) {
  simdjson::dom::element root;
  auto& parser = thread_parser();
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    const std::string_view data = sse_data_line(body);
    if (data.empty() || parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
      return {{}, std::string(non_json_error_message)};
    }
  }
  // A string field, or empty when it is missing or of another type.
  const auto text_at = [](simdjson::simdjson_result<simdjson::dom::element> field) {
    std::string_view text;
    return field.get(text) == simdjson::SUCCESS ? text : std::string_view();
  };
  std::string_view code = text_at(root["code"]);
  std::string_view message = text_at(root["message"]);
  // Compatible-mode shape: {"error":{"code","message"}}.
  if (code.empty()) code = text_at(root["error"]["code"]);
  if (message.empty()) message = text_at(root["error"]["message"]);
  return {sanitize_text(code, max_error_code_bytes),
          sanitize_text(message, max_error_message_bytes)};
}

bool is_data_inspection(const upstream_error_body& body) {
  return body.code.find("DataInspectionFailed") != std::string::npos ||
         body.code == "data_inspection_failed" ||
         body.message.find("DataInspectionFailed") != std::string::npos;
}

error classify_upstream_error(long http_status, const upstream_error_body& body) {
  std::string detail = body.code.empty() ? "HTTP " + std::to_string(http_status) : body.code;
  if (!body.message.empty()) detail += ": " + body.message;
  if (http_status == 401 || body.code == "InvalidApiKey" || body.code == "invalid_api_key") {
    return make_error(errc::unauthorized, std::move(detail));
  }
  if (http_status == 429 || body.code.starts_with("Throttling") || body.code == "limit_requests" ||
      body.code == "insufficient_quota") {
    return make_error(errc::rate_limited, std::move(detail));
  }
  if (http_status == 408 || body.code == "RequestTimeOut" || body.code == "InternalError.Timeout") {
    return make_error(errc::timeout, std::move(detail));
  }
  return make_error(errc::upstream_error, std::move(detail));
}

error classify_transfer_failure(const transfer_outcome& outcome) {
  switch (outcome.failure) {
    case transfer_failure::connect_timeout:
      return make_error(errc::timeout, "upstream connect timeout");
    case transfer_failure::first_byte_timeout:
      return make_error(errc::timeout, "upstream first byte timeout");
    case transfer_failure::idle_timeout:
      return make_error(errc::timeout, "upstream idle timeout");
    case transfer_failure::total_timeout:
      return make_error(errc::timeout, "upstream total timeout");
    case transfer_failure::connect_failed:
      return make_error(errc::upstream_error, "连接失败: " + outcome.message);
    case transfer_failure::network:
      return make_error(errc::upstream_error, "连接中断: " + outcome.message);
    case transfer_failure::none:
      break;
  }
  return make_error(errc::upstream_error, "上游响应在结束前中断");
}

void response_decoder::emit(decoded value, std::vector<decoded>& out) {
  if (const auto* delta = std::get_if<chat_delta>(&value); delta != nullptr && !delta->finish) {
    out.push_back(std::move(value));
    return;
  }
  finished_ = true;
  out.push_back(std::move(value));
}

void response_decoder::on_bytes(std::string_view bytes, std::vector<decoded>& out) {
  if (finished_) return;
  // Some proxies and compatible servers answer a stream request with one JSON body: accept it.
  if (stream_ && http_status_ == 200 && !sniffed_) {
    const auto first = bytes.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return;
    sniffed_ = true;
    json_answer_ = bytes[first] == '{';
  }
  if (!streaming_body()) {
    if (body_.size() + bytes.size() > max_unary_body_bytes) {
      emit(make_error(errc::upstream_error, "上游响应过大"), out);
      return;
    }
    body_.append(bytes);
    return;
  }
  events_.clear();
  if (!sse_.feed(bytes, events_)) {
    emit(make_error(errc::upstream_error, "上游事件过大"), out);
    return;
  }
  for (auto& event : events_) {
    if (finished_) break;
    on_event(event, out);
  }
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
  if (finished_) return;
  if (streaming_body()) {
    events_.clear();
    sse_.finish(events_);
    for (auto& event : events_) {
      if (!finished_) on_event(event, out);
    }
    // A cut or stalled stream is never presented as a normal end.
    if (!finished_) emit(classify_transfer_failure(outcome), out);
    return;
  }
  if (outcome.failure != transfer_failure::none) {
    emit(classify_transfer_failure(outcome), out);
    return;
  }
  if (http_status_ == 200) {
    auto completion = parse_unary_response(body_);
    if (completion && stream_) {
      emit(as_delta(std::move(completion).value()), out);
    } else if (completion) {
      emit(std::move(completion).value(), out);
    } else {
      emit(completion.error(), out);
    }
    return;
  }
  const auto body = parse_error_body(body_);
  if (is_data_inspection(body)) {
    if (stream_) {
      emit(filtered_delta({}), out);
    } else {
      chat_completion filtered;
      filtered.finish = finish_reason::content_filter;
      emit(std::move(filtered), out);
    }
    return;
  }
  emit(classify_upstream_error(http_status_, body), out);
}

}  // namespace qgate::upstream
