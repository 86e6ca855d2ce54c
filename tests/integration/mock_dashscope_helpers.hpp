// Helpers for the mock DashScope's own tests: start it, build request bodies, split its SSE and
// read its answers (text, tool calls, reasoning, usage).
#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace qgate::testing::mock_test {

inline const std::string binary = QGATE_BINARY_DIR "/tools/mock_dashscope/mock_dashscope";
inline constexpr std::string_view generation_path =
    "/api/v1/services/aigc/text-generation/generation";
inline const std::string key_header = "Authorization: Bearer sk-qgate-mock";
inline const std::string sse_header = "X-DashScope-SSE: enable";
inline const std::vector<std::string> unary_headers = {key_header,
                                                       "Content-Type: application/json"};
inline const std::vector<std::string> stream_headers = {key_header, sse_header,
                                                        "Content-Type: application/json"};

struct running_mock {
  explicit running_mock(const std::vector<std::string>& args = {})
      : process(binary, args, {}),
        port(process.wait_for_port(std::chrono::seconds(10)).value_or(0)) {
    EXPECT_NE(port, 0) << "mock did not start: " << process.output();
  }
  std::string url(std::string_view path = generation_path) const {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
  }
  child_process process;
  std::uint16_t port;
};

// A JSON string literal of `text` (valid UTF-8): quotes, backslashes and control characters
// escaped, so tests can send hostile prompts.
inline std::string quoted(std::string_view text) {
  constexpr std::string_view hex = "0123456789abcdef";
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += hex[byte >> 4];
      out += hex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

inline std::string body_with(std::string_view messages, std::string_view parameters = "{}",
                             std::string_view model = "qwen-turbo") {
  return R"({"model":)" + quoted(model) + R"(,"input":{"messages":)" + std::string(messages) +
         R"(},"parameters":)" + std::string(parameters) + "}";
}

inline std::string user_body(std::string_view prompt, std::string_view parameters = "{}") {
  return body_with(R"([{"role":"user","content":)" + quoted(prompt) + "}]", parameters);
}

inline std::string header(const http_response& response, const std::string& name) {
  const auto found = response.headers.find(name);
  return found == response.headers.end() ? std::string() : found->second;
}

struct sse_event {
  std::string id;
  std::string event;
  std::string status;  // from the `:HTTP_STATUS/<n>` comment
  std::string data;
};

// Splits a DashScope SSE body, insisting on its exact four-line framing.
inline std::vector<sse_event> parse_sse(const std::string& body) {
  std::vector<sse_event> events;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find("\n\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated event: " << body.substr(start);
      break;
    }
    const std::string frame = body.substr(start, end - start);
    start = end + 2;
    sse_event e;
    const auto take = [&frame](std::size_t& at, std::string_view prefix, std::string& into) {
      const auto line_end = frame.find('\n', at);
      const std::string line = frame.substr(at, line_end - at);
      EXPECT_TRUE(line.starts_with(prefix)) << "expected " << prefix << " in: " << frame;
      into = line.substr(std::min(prefix.size(), line.size()));
      at = line_end == std::string::npos ? frame.size() : line_end + 1;
    };
    std::size_t at = 0;
    take(at, "id:", e.id);
    take(at, "event:", e.event);
    take(at, ":HTTP_STATUS/", e.status);
    take(at, "data:", e.data);
    EXPECT_EQ(at, frame.size()) << "extra lines in: " << frame;
    events.push_back(std::move(e));
  }
  return events;
}

// The value a result event (or non-stream body) carries, whatever the result_format.
struct result_view {
  std::string text;
  std::string finish;
  std::int64_t input = -1;
  std::int64_t output = -1;
  std::int64_t total = -1;
  std::string request_id;
};

inline result_view read_result(std::string_view json) {
  result_view v;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return v;
  }
  simdjson::dom::element choice;
  if (root["output"]["choices"].at(0).get(choice) == simdjson::SUCCESS) {
    v.text = std::string_view(choice["message"]["content"]);
    v.finish = std::string_view(choice["finish_reason"]);
    EXPECT_EQ(std::string_view(choice["message"]["role"]), "assistant");
  } else {
    v.text = std::string_view(root["output"]["text"]);
    v.finish = std::string_view(root["output"]["finish_reason"]);
  }
  v.input = root["usage"]["input_tokens"];
  v.output = root["usage"]["output_tokens"];
  v.total = root["usage"]["total_tokens"];
  v.request_id = std::string_view(root["request_id"]);
  return v;
}

struct error_view {
  std::string code;
  std::string message;
  std::string request_id;
};

inline error_view read_error(std::string_view json) {
  error_view v;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return v;
  }
  v.code = std::string_view(root["code"]);
  v.message = std::string_view(root["message"]);
  v.request_id = std::string_view(root["request_id"]);
  return v;
}

// One entry of message.tool_calls: a whole call (non-stream) or a fragment of one (stream).
struct call_view {
  std::int64_t index = -1;
  std::string id;
  std::string type;
  std::optional<std::string> name;  // absent on continuation fragments
  std::string arguments;
};

// A message-format body or event, with what tools and thinking add.
struct message_view {
  std::string content;
  std::optional<std::string> reasoning;
  std::optional<std::vector<call_view>> calls;  // absent: no tool_calls key
  std::string finish;
  std::int64_t input = -1, output = -1, total = -1;
  std::int64_t cached = -1;            // -1: no prompt_tokens_details
  std::int64_t reasoning_tokens = -1;  // -1: no output_tokens_details
};

inline message_view read_message(std::string_view json) {
  message_view v;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not JSON: " << json;
    return v;
  }
  const auto choice = root["output"]["choices"].at(0);
  const auto message = choice["message"];
  EXPECT_EQ(std::string_view(message["role"]), "assistant") << json;
  v.content = std::string_view(message["content"]);
  v.finish = std::string_view(choice["finish_reason"]);
  std::string_view text;
  if (message["reasoning_content"].get(text) == simdjson::SUCCESS) v.reasoning = text;
  simdjson::dom::array calls;
  if (message["tool_calls"].get(calls) == simdjson::SUCCESS) {
    v.calls.emplace();
    for (const auto call : calls) {
      call_view c;
      c.index = call["index"];
      c.id = std::string_view(call["id"]);
      c.type = std::string_view(call["type"]);
      if (call["function"]["name"].get(text) == simdjson::SUCCESS) c.name = text;
      c.arguments = std::string_view(call["function"]["arguments"]);
      v.calls->push_back(std::move(c));
    }
  }
  const auto usage = root["usage"];
  v.input = usage["input_tokens"];
  v.output = usage["output_tokens"];
  v.total = usage["total_tokens"];
  if (usage["prompt_tokens_details"]["cached_tokens"].get(v.cached) != simdjson::SUCCESS) {
    v.cached = -1;
  }
  if (usage["output_tokens_details"]["reasoning_tokens"].get(v.reasoning_tokens) !=
      simdjson::SUCCESS) {
    v.reasoning_tokens = -1;
  }
  return v;
}

// The `query` of arguments that must be exactly {"query": "<string>"}.
inline std::string query_of(std::string_view arguments) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  std::string_view query;
  if (parser.parse(arguments.data(), arguments.size()).get(object) != simdjson::SUCCESS ||
      object.size() != 1 || object["query"].get(query) != simdjson::SUCCESS) {
    ADD_FAILURE() << "arguments are not {\"query\":...}: " << arguments;
    return {};
  }
  return std::string(query);
}

// Joins a tool-call stream per index; checks the fragment rules on the way.
inline std::map<std::int64_t, call_view> join_calls(const std::vector<message_view>& events,
                                                    std::vector<std::size_t>& fragments_per_call) {
  std::map<std::int64_t, call_view> calls;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e.content, "");
    EXPECT_EQ(e.output, static_cast<std::int64_t>(i + 1));
    if (!e.calls || e.calls->size() != 1u) {
      ADD_FAILURE() << "event " << i + 1 << " must carry exactly one fragment";
      continue;
    }
    const auto& f = e.calls->front();
    EXPECT_EQ(f.type, "function");
    const bool first = calls.count(f.index) == 0;
    if (first) {
      EXPECT_FALSE(f.id.empty());
      EXPECT_TRUE(f.name) << "the first fragment of a call names it";
      calls[f.index] = f;
      fragments_per_call.push_back(1);
    } else {
      EXPECT_EQ(f.id, "");
      EXPECT_FALSE(f.name) << "only the first fragment names the function";
      calls[f.index].arguments += f.arguments;
      ++fragments_per_call.back();
    }
  }
  return calls;
}

inline std::int64_t stat(const running_mock& mock, const char* key) {
  const auto response = http_request("GET", mock.url("/mock/stats"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response.body).get(root) != simdjson::SUCCESS) return -1;
  std::int64_t value = -1;
  if (root[key].get(value) != simdjson::SUCCESS) return -1;
  return value;
}

// Polls `condition` for up to five seconds: for things the mock notices asynchronously.
inline bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// A raw HTTP/1.1 POST to the generation path, for faults no HTTP library would let us observe.
inline std::string raw_post(std::string_view body, bool stream) {
  std::string request = "POST " + std::string(generation_path) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + key_header + "\r\n";
  if (stream) request += sse_header + "\r\n";
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n";
  request += body;
  return request;
}

}  // namespace qgate::testing::mock_test
