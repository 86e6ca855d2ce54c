// Helpers for the mock's OpenAI-compatible tests: request bodies, `data: ` streams, and bodies,
// chunks and errors read with simdjson.
#pragma once

#include "tests/integration/mock_dashscope_helpers.hpp"

namespace qgate::testing::mock_test {

inline constexpr std::string_view compat_path = "/compatible-mode/v1/chat/completions";
inline constexpr std::string_view self_hosted_path = "/v1/chat/completions";

inline std::string compat_messages_body(std::string_view messages, std::string_view extra = {},
                                        std::string_view model = "qwen-plus") {
  return R"({"model":)" + quoted(model) + R"(,"messages":)" + std::string(messages) +
         std::string(extra) + "}";
}

// `extra` goes into the body's top level, starting with a comma.
inline std::string compat_body(std::string_view prompt, std::string_view extra = {},
                               std::string_view model = "qwen-plus") {
  return compat_messages_body(R"([{"role":"user","content":)" + quoted(prompt) + "}]", extra,
                              model);
}

// A stream's payloads, insisting on the exact `data: <payload>\n\n` framing.
inline std::vector<std::string> data_payloads(const std::string& body) {
  std::vector<std::string> payloads;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find("\n\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated event: " << body.substr(start);
      break;
    }
    const std::string frame = body.substr(start, end - start);
    start = end + 2;
    EXPECT_TRUE(frame.starts_with("data: ")) << frame;
    EXPECT_EQ(frame.find('\n'), std::string::npos) << "one line per event: " << frame;
    payloads.push_back(frame.substr(std::min<std::size_t>(6, frame.size())));
  }
  return payloads;
}

struct compat_call_view {
  std::int64_t index = -1;  // -1: no index (a non-stream call)
  std::optional<std::string> id, type, name;
  std::string arguments;
};

// A chat.completion body or a chat.completion.chunk, with its first choice's message or delta.
struct compat_view {
  std::string id, object, model;
  std::int64_t created = -1;
  std::size_t choices = 0;
  std::int64_t index = -1;
  std::optional<std::string> role, content, reasoning;
  std::optional<std::vector<compat_call_view>> calls;
  std::optional<std::string> finish;  // absent for JSON null
  bool logprobs_null = false;
  bool usage_key = false, usage_null = false;
  std::int64_t prompt = -1, completion = -1, total = -1, cached = -1, reasoning_tokens = -1;
};

inline std::optional<std::string> string_at(simdjson::dom::element e, const char* key) {
  std::string_view text;
  if (e[key].get(text) != simdjson::SUCCESS) return std::nullopt;
  return std::string(text);
}

inline compat_view read_compat(std::string_view json) {
  compat_view v;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return v;
  }
  v.id = std::string_view(root["id"]);
  v.object = std::string_view(root["object"]);
  v.model = std::string_view(root["model"]);
  v.created = root["created"];
  simdjson::dom::array choices = root["choices"];
  v.choices = choices.size();
  if (v.choices > 0) {
    const auto choice = choices.at(0).value();
    v.index = choice["index"];
    v.finish = string_at(choice, "finish_reason");
    v.logprobs_null = choice["logprobs"].is_null();
    simdjson::dom::element message;
    if (choice["message"].get(message) != simdjson::SUCCESS) message = choice["delta"];
    v.role = string_at(message, "role");
    v.content = string_at(message, "content");
    v.reasoning = string_at(message, "reasoning_content");
    simdjson::dom::array calls;
    if (message["tool_calls"].get(calls) == simdjson::SUCCESS) {
      v.calls.emplace();
      for (const auto call : calls) {
        compat_call_view c;
        if (call["index"].get(c.index) != simdjson::SUCCESS) c.index = -1;
        c.id = string_at(call, "id");
        c.type = string_at(call, "type");
        c.name = string_at(call["function"], "name");
        c.arguments = std::string_view(call["function"]["arguments"]);
        v.calls->push_back(std::move(c));
      }
    }
  }
  const auto usage = root["usage"];
  v.usage_key = usage.error() == simdjson::SUCCESS;
  v.usage_null = v.usage_key && usage.is_null();
  if (v.usage_key && !v.usage_null) {
    v.prompt = usage["prompt_tokens"];
    v.completion = usage["completion_tokens"];
    v.total = usage["total_tokens"];
    v.cached = usage["prompt_tokens_details"]["cached_tokens"];
    if (usage["completion_tokens_details"]["reasoning_tokens"].get(v.reasoning_tokens) !=
        simdjson::SUCCESS) {
      v.reasoning_tokens = -1;
    }
  }
  return v;
}

struct compat_error_view {
  std::string message, type, code, request_id;
  bool param_null = false;
};

inline compat_error_view read_compat_error(std::string_view json) {
  compat_error_view v;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return v;
  }
  const auto error = root["error"];
  v.message = std::string_view(error["message"]);
  v.type = std::string_view(error["type"]);
  v.code = std::string_view(error["code"]);
  v.param_null = error["param"].is_null();
  v.request_id = std::string_view(root["request_id"]);
  return v;
}

}  // namespace qgate::testing::mock_test
