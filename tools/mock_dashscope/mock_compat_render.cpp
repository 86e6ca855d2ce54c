// OpenAI rendering, written by hand like mock_render.cpp; the answer itself is the native one.
#include "tools/mock_dashscope/mock_compat_render.hpp"

#include "messages/json_escape.hpp"

#include <array>

namespace qgate::mock {
namespace {

struct translation {
  std::string_view native_code;
  std::string_view type;
  std::string_view code;
  std::string_view message;  // empty: the native message
};

// ERR-ZH's pairs of native and compatible codes (protocol notes §6.2, §6.3).
constexpr std::array<translation, 8> translations = {{
    {"InvalidApiKey", "invalid_request_error", "invalid_api_key", "Incorrect API key provided. "},
    {"InvalidParameter", "invalid_request_error", "invalid_parameter_error", ""},
    {"BadRequest.EmptyModel", "invalid_request_error", "invalid_request_error", ""},
    {"ModelNotFound", "invalid_request_error", "model_not_found", ""},
    {"DataInspectionFailed", "data_inspection_failed", "data_inspection_failed", ""},
    {"Throttling.RateQuota", "limit_requests", "limit_requests",
     "You exceeded your current requests list."},
    {"Throttling.AllocationQuota", "insufficient_quota", "insufficient_quota",
     "You exceeded your current quota, please check your plan and billing details."},
    {"InternalError", "internal_error", "internal_error", ""},
}};

std::string_view finish_of(const answer& a) {
  if (!a.calls.empty()) return "tool_calls";
  return a.cut_by_max_tokens ? "length" : "stop";
}

void append_head(std::string& json, const compat_head& h, std::string_view object) {
  json += R"({"id":"chatcmpl-)";
  json += h.request_id;
  json += R"(","object":")";
  json += object;
  json += R"(","created":)";
  json += std::to_string(h.created);
  json += R"(,"model":)";
  append_json_string(json, h.model);
}

void append_usage(std::string& json, const generation& g, const answer& a) {
  const auto output = static_cast<std::int64_t>(a.tokens());
  json += R"("usage":{"prompt_tokens":)";
  json += std::to_string(g.input_tokens);
  json += R"(,"completion_tokens":)";
  json += std::to_string(output);
  json += R"(,"total_tokens":)";
  json += std::to_string(g.input_tokens + output);
  json += R"(,"prompt_tokens_details":{"cached_tokens":)";
  json += std::to_string(g.cached_tokens);
  json += '}';
  if (g.enable_thinking) {
    json += R"(,"completion_tokens_details":{"reasoning_tokens":)";
    json += std::to_string(a.reasoning.size());
    json += '}';
  }
  json += '}';
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& piece : pieces) text += piece;
  return text;
}

// A chunk with one choice; `delta` is a whole JSON object, `finish` JSON (null or a string).
std::string chunk(const compat_head& h, std::string_view delta, std::string_view finish,
                  bool include_usage) {
  std::string json;
  json.reserve(160 + h.request_id.size() + h.model.size() + delta.size());
  append_head(json, h, "chat.completion.chunk");
  json += R"(,"choices":[{"index":0,"delta":)";
  json += delta;
  json += R"(,"finish_reason":)";
  json += finish;
  json += R"(,"logprobs":null}])";
  if (include_usage) json += R"(,"usage":null)";
  json += '}';
  return json;
}

std::string text_delta(std::string_view key, std::string_view text) {
  std::string delta = "{\"";
  delta += key;
  delta += "\":";
  append_json_string(delta, text);
  delta += '}';
  return delta;
}

// The first fragment of a call carries its id, type and name; the others only arguments.
std::string fragment_delta(const answer& a, const tool_fragment& f) {
  const tool_call& call = a.calls[f.call];
  std::string delta = R"({"tool_calls":[{"index":)";
  delta += std::to_string(f.call);
  if (f.first) {
    delta += R"(,"id":)";
    append_json_string(delta, call.id);
    delta += R"(,"type":"function","function":{"name":)";
    append_json_string(delta, call.name);
    delta += ',';
  } else {
    delta += R"(,"function":{)";
  }
  delta += R"("arguments":)";
  append_json_string(delta, f.arguments);
  delta += "}}]}";
  return delta;
}

}  // namespace

std::string compat_unary_json(const generation& g, const answer& a, const compat_head& h) {
  const std::string text = joined(a.pieces);
  std::string json;
  json.reserve(300 + text.size());
  append_head(json, h, "chat.completion");
  json += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
  append_json_string(json, text);
  if (g.enable_thinking) {
    json += R"(,"reasoning_content":)";
    append_json_string(json, joined(a.reasoning));
  }
  if (!a.calls.empty()) {
    json += R"(,"tool_calls":[)";
    for (std::size_t i = 0; i < a.calls.size(); ++i) {
      if (i != 0) json += ',';
      json += R"({"id":)";
      append_json_string(json, a.calls[i].id);
      json += R"(,"type":"function","function":{"name":)";
      append_json_string(json, a.calls[i].name);
      json += R"(,"arguments":)";
      append_json_string(json, a.calls[i].arguments);
      json += "}}";
    }
    json += ']';
  }
  json += R"(},"finish_reason":")";
  json += finish_of(a);
  json += R"(","logprobs":null}],)";
  append_usage(json, g, a);
  json += '}';
  return json;
}

compat_chunks compat_stream(const generation& g, const answer& a, const compat_head& h,
                            bool include_usage) {
  compat_chunks out;
  out.role = chunk(h, R"({"role":"assistant","content":""})", "null", include_usage);
  out.tokens.reserve(a.tokens());
  for (const auto& piece : a.reasoning) {
    out.tokens.push_back(chunk(h, text_delta("reasoning_content", piece), "null", include_usage));
  }
  for (const auto& piece : a.pieces) {
    out.tokens.push_back(chunk(h, text_delta("content", piece), "null", include_usage));
  }
  for (const auto& f : a.fragments) {
    out.tokens.push_back(chunk(h, fragment_delta(a, f), "null", include_usage));
  }
  out.finish = chunk(h, "{}", "\"" + std::string(finish_of(a)) + "\"", include_usage);
  if (include_usage) {
    append_head(out.usage, h, "chat.completion.chunk");
    out.usage += R"(,"choices":[],)";
    append_usage(out.usage, g, a);
    out.usage += '}';
  }
  return out;
}

std::string compat_error_json(const upstream_error& e, std::string_view request_id) {
  std::string_view type = e.code;
  std::string_view code = e.code;
  std::string_view message = e.message;
  for (const auto& t : translations) {
    if (t.native_code != e.code) continue;
    type = t.type;
    code = t.code;
    if (!t.message.empty()) message = t.message;
  }
  std::string json = R"({"error":{"message":)";
  append_json_string(json, message);
  json += R"(,"type":)";
  append_json_string(json, type);
  json += R"(,"param":null,"code":)";
  append_json_string(json, code);
  json += R"(},"request_id":)";
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string compat_event(std::string_view json) {
  std::string event = "data: ";
  event += json;
  event += "\n\n";
  return event;
}

}  // namespace qgate::mock
