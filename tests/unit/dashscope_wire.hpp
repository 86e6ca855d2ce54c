// DashScope native wire bytes for the shared provider suite, after the protocol notes' captures.
#pragma once

#include "provider_wire.hpp"

#include <string>
#include <string_view>

namespace qgate::provider_wire {

struct dashscope {
  static constexpr upstream::provider_kind kind = upstream::provider_kind::dashscope;
  static constexpr std::string_view name = "dashscope";
  // Every DashScope event carries the running usage; OpenAI chunks carry none until the end.
  static constexpr bool running_usage = true;

  static std::string usage(tokens t) {
    std::string json = R"({"total_tokens":)" + std::to_string(t.input + t.output) +
                       R"(,"output_tokens":)" + std::to_string(t.output) + R"(,"input_tokens":)" +
                       std::to_string(t.input);
    if (t.cached != 0) {
      json += R"(,"prompt_tokens_details":{"cached_tokens":)" + std::to_string(t.cached) + "}";
    }
    if (t.reasoning != 0) {
      json +=
          R"(,"output_tokens_details":{"reasoning_tokens":)" + std::to_string(t.reasoning) + "}";
    }
    return json + "}";
  }
  // One `event:result` frame of the message format; `message` is the inside of its message object.
  static std::string event(int id, std::string_view message, std::string_view finish, tokens t) {
    return "id:" + std::to_string(id) +
           "\nevent:result\n:HTTP_STATUS/200\ndata:" + R"({"output":{"choices":[{"message":{)" +
           std::string(message) + R"(,"role":"assistant"},"index":0,"finish_reason":")" +
           std::string(finish) + R"("}]},"usage":)" + usage(t) + R"(,"request_id":"r"})" + "\n\n";
  }
  static std::string error_frame(int id, int status, std::string_view code,
                                 std::string_view message) {
    return "id:" + std::to_string(id) + "\nevent:error\n:HTTP_STATUS/" + std::to_string(status) +
           "\ndata:" + R"({"code":")" + std::string(code) + R"(","message":")" +
           std::string(message) + R"(","request_id":"r"})" + "\n\n";
  }
  static std::string answer(std::string_view message, std::string_view finish, tokens t) {
    return R"({"output":{"choices":[{"finish_reason":")" + std::string(finish) +
           R"(","message":{"role":"assistant",)" + std::string(message) + R"(}}]},"usage":)" +
           usage(t) + R"(,"request_id":"r"})";
  }

  static transcript text_stream() {
    return {200, event(1, R"("content":"你好")", "null", {10, 1}) +
                     event(2, R"("content":"!")", "null", {10, 2}) +
                     event(3, R"("content":"")", "stop", {10, 2})};
  }
  static transcript length_stream() {
    return {200, event(1, R"("content":"1+")", "null", {3, 1}) +
                     event(2, R"("content":"")", "length", {3, 1})};
  }
  static transcript unary(std::string_view content_json, std::string_view finish, tokens t) {
    return {200, answer(R"("content":)" + std::string(content_json), finish, t)};
  }
  static transcript tool_call_unary() {
    return {200,
            answer(R"("content":"","tool_calls":[{"function":{"name":"get_weather","arguments":)"
                   R"("{\"q\": \"杭州\"}"},"index":0,"id":"call_a","type":"function"}])",
                   "tool_calls", {211, 8})};
  }
  static transcript parallel_tool_stream() {
    const auto fragment = [](std::string_view call) {
      return R"("content":"","tool_calls":[)" + std::string(call) + "]";
    };
    return {
        200,
        event(
            1,
            fragment(
                R"({"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"q\": \""}})"),
            "null", {16, 2, 6}) +
            event(
                2,
                fragment(
                    R"({"index":0,"id":"","type":"function","function":{"arguments":"杭州\"}"}})"),
                "null", {16, 3, 6}) +
            event(
                3,
                fragment(
                    R"({"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}})"),
                "null", {16, 4, 6}) +
            event(4, R"("content":"")", "tool_calls", {16, 4, 6})};
  }
  static transcript reasoning_stream() {
    return {200, event(1, R"("content":"","reasoning_content":"想")", "null", {10, 1}) +
                     event(2, R"("content":"答","reasoning_content":"")", "null", {10, 2, 0, 1}) +
                     event(3, R"("content":"")", "stop", {10, 2, 0, 1})};
  }
  static transcript refused(refusal kind, bool stream) {
    const auto [status, code, message] = refusal_text(kind);
    // A stream request learns of its refusal as DashScope sends it: HTTP 200 and one error frame.
    if (stream) return {200, error_frame(1, status, code, message), {}, code + ": " + message};
    return {status,
            R"({"code":")" + code + R"(","message":")" + message + R"(","request_id":"r"})",
            {},
            code + ": " + message};
  }
  static transcript filtered_before_output(bool stream) {
    const std::string code = "DataInspectionFailed";
    const std::string message = "Input data may contain inappropriate content.";
    if (stream) return {200, error_frame(1, 400, code, message)};
    return {400, R"({"code":")" + code + R"(","message":")" + message + R"(","request_id":"r"})"};
  }
  static transcript filtered_mid_stream() {
    return {200, event(1, R"("content":"ok")", "null", {10, 1}) +
                     error_frame(2, 400, "DataInspectionFailed",
                                 "Output data may contain inappropriate content.")};
  }
  static transcript failed_mid_stream() {
    return {200,
            event(1, R"("content":"ok")", "null", {10, 1}) +
                error_frame(2, 500, "InternalError", internal_message),
            {},
            "InternalError: " + internal_message};
  }
  static transcript throttled_mid_stream() {
    const std::string message = "Allocated quota exceeded, please increase your quota limit.";
    return {200,
            event(1, R"("content":"ok")", "null", {10, 1}) +
                error_frame(2, 429, "Throttling.AllocationQuota", message),
            {},
            "Throttling.AllocationQuota: " + message};
  }
  static transcript cut_stream(upstream::transfer_outcome end) {
    return {200, event(1, R"("content":"half")", "null", {10, 1}), end};
  }
  static transcript stream_answered_with_json() {
    return {200, " " + answer(R"("content":"whole")", "stop", {2, 1})};
  }

 private:
  struct refusal_words {
    long status;
    std::string code;
    std::string message;
  };
  static refusal_words refusal_text(refusal kind) {
    switch (kind) {
      case refusal::unauthorized:
        return {401, "InvalidApiKey", "Invalid API-key provided."};
      case refusal::throttled:
        return {429, "Throttling.RateQuota",
                "Requests rate limit exceeded, please try again later."};
      case refusal::internal:
        return {500, "InternalError", internal_message};
    }
    return {500, "InternalError", internal_message};
  }
};

}  // namespace qgate::provider_wire
