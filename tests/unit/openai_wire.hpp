// OpenAI-compatible wire bytes for the shared provider suite: DashScope's compatible mode (the
// protocol notes' captures), whose error events vLLM and others share.
#pragma once

#include "dashscope_wire.hpp"
#include "provider_wire.hpp"

#include <string>
#include <string_view>

namespace qgate::provider_wire {

struct openai {
  static constexpr upstream::provider_kind kind = upstream::provider_kind::openai;
  static constexpr std::string_view name = "openai";
  static constexpr bool running_usage = false;

  static std::string usage(tokens t) {
    std::string json = R"({"prompt_tokens":)" + std::to_string(t.input) +
                       R"(,"completion_tokens":)" + std::to_string(t.output) +
                       R"(,"total_tokens":)" + std::to_string(t.input + t.output);
    json +=
        t.cached != 0
            ? R"(,"prompt_tokens_details":{"cached_tokens":)" + std::to_string(t.cached) + "}"
            : std::string(R"(,"prompt_tokens_details":{"audio_tokens":null,"cached_tokens":0})");
    json += t.reasoning != 0 ? R"(,"completion_tokens_details":{"reasoning_tokens":)" +
                                   std::to_string(t.reasoning) + "}"
                             : std::string(R"(,"completion_tokens_details":null)");
    return json + "}";
  }
  // One chunk; `finish` is JSON (`null` or `"stop"`).
  static std::string chunk(std::string_view delta, std::string_view finish = "null") {
    return R"(data: {"choices":[{"delta":{)" + std::string(delta) +
           R"(},"index":0,"logprobs":null,"finish_reason":)" + std::string(finish) +
           R"(}],"object":"chat.completion.chunk","usage":null,"created":1726132850,)"
           R"("system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-1"})" +
           "\n\n";
  }
  static std::string usage_chunk(tokens t) {
    return R"(data: {"choices":[],"object":"chat.completion.chunk","usage":)" + usage(t) +
           R"(,"created":1726132850,"model":"qwen-plus","id":"chatcmpl-1"})" + "\n\n";
  }
  static std::string done() { return "data: [DONE]\n\n"; }
  static std::string role() { return chunk(R"("content":"","role":"assistant")"); }
  static std::string error_event(std::string_view code, std::string_view message) {
    return R"(data: {"error":{"message":")" + std::string(message) + R"(","type":")" +
           std::string(code) + R"(","param":null,"code":")" + std::string(code) +
           R"("},"id":"chatcmpl-1","request_id":"r"})" + "\n\n";
  }
  static std::string error_body(std::string_view code, std::string_view message) {
    return R"({"error":{"message":")" + std::string(message) +
           R"(","type":"invalid_request_error","param":null,"code":")" + std::string(code) +
           R"("},"request_id":"r"})";
  }
  static std::string answer(std::string_view message, std::string_view finish, tokens t) {
    return R"({"choices":[{"message":{"role":"assistant",)" + std::string(message) +
           R"(},"finish_reason":")" + std::string(finish) +
           R"(","index":0,"logprobs":null}],"object":"chat.completion","usage":)" + usage(t) +
           R"(,"created":1735120033,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-1"})";
  }

  static transcript text_stream() {
    return {200, role() + chunk(R"("content":"你好")") + chunk(R"("content":"!")") +
                     chunk(R"("content":"")", R"("stop")") + usage_chunk({10, 2}) + done()};
  }
  static transcript length_stream() {
    return {200, role() + chunk(R"("content":"1+")") + chunk(R"("content":"")", R"("length")") +
                     usage_chunk({3, 1}) + done()};
  }
  static transcript unary(std::string_view content_json, std::string_view finish, tokens t) {
    return {200, answer(R"("content":)" + std::string(content_json), finish, t)};
  }
  static transcript tool_call_unary() {
    return {200,
            answer(R"("content":null,"tool_calls":[{"id":"call_a","type":"function","index":0,)"
                   R"("function":{"name":"get_weather","arguments":"{\"q\": \"杭州\"}"}}])",
                   "tool_calls", {211, 8})};
  }
  static transcript parallel_tool_stream() {
    const auto fragment = [](std::string_view call) {
      return chunk(R"("content":null,"tool_calls":[)" + std::string(call) + "]");
    };
    return {
        200,
        chunk(R"("content":null,"role":"assistant")") +
            fragment(
                R"({"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"q\": \""}})") +
            fragment(R"({"index":0,"function":{"arguments":"杭州\"}"}})") +
            fragment(
                R"({"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}})") +
            chunk("", R"("tool_calls")") + usage_chunk({16, 4, 6}) + done()};
  }
  static transcript reasoning_stream() {
    return {200, chunk(R"("content":null,"role":"assistant","reasoning_content":"")") +
                     chunk(R"("content":null,"reasoning_content":"想")") +
                     chunk(R"("content":"答","reasoning_content":null)") +
                     chunk(R"("content":"")", R"("stop")") + usage_chunk({10, 2, 0, 1}) + done()};
  }
  static transcript refused(refusal kind, bool stream) {
    (void)stream;  // compatible mode refuses a stream request like any other: status and body
    switch (kind) {
      case refusal::unauthorized:
        return {401,
                error_body("invalid_api_key", "Incorrect API key provided. "),
                {},
                "invalid_api_key: Incorrect API key provided."};
      case refusal::throttled:
        return {429,
                error_body("limit_requests", "You have exceeded your current request limit."),
                {},
                "limit_requests: You have exceeded your current request limit."};
      case refusal::internal:
        return {500,
                error_body("internal_error", internal_message),
                {},
                "internal_error: " + internal_message};
    }
    return {};
  }
  static transcript filtered_before_output(bool stream) {
    (void)stream;
    return {400,
            error_body("data_inspection_failed", "Input data may contain inappropriate content.")};
  }
  static transcript filtered_mid_stream() {
    return {200, role() + chunk(R"("content":"ok")") +
                     error_event("data_inspection_failed",
                                 "Output data may contain inappropriate content.")};
  }
  static transcript failed_mid_stream() {
    return {200,
            role() + chunk(R"("content":"ok")") + error_event("internal_error", internal_message),
            {},
            "internal_error: " + internal_message};
  }
  // DashScope's native frame inside a compatible-mode stream (the protocol notes, §6.2).
  static transcript throttled_mid_stream() {
    const std::string message = "Allocated quota exceeded, please increase your quota limit.";
    return {200,
            role() + chunk(R"("content":"ok")") +
                dashscope::error_frame(2, 429, "Throttling.AllocationQuota", message),
            {},
            "Throttling.AllocationQuota: " + message};
  }
  static transcript cut_stream(upstream::transfer_outcome end) {
    return {200, role() + chunk(R"("content":"half")"), end};
  }
  static transcript stream_answered_with_json() {
    return {200, " " + answer(R"("content":"whole")", "stop", {2, 1})};
  }
};

}  // namespace qgate::provider_wire
