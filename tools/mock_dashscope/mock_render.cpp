// Answer rendering. JSON is written by hand (strings through append_json_string) so the key order
// matches DashScope's captures and rendering stays allocation-light.
#include "tools/mock_dashscope/mock_render.hpp"

#include "messages/json_escape.hpp"

#include <algorithm>
#include <cstdint>

namespace qgate::mock {
namespace {

// Ends with the `"request_id":` key; the caller appends the id and closes the object.
void append_usage(std::string& json, const generation& g, std::size_t output,
                  std::size_t reasoning) {
  const auto input = g.input_tokens;
  json += R"(,"usage":{"input_tokens":)";
  json += std::to_string(input);
  json += R"(,"output_tokens":)";
  json += std::to_string(output);
  json += R"(,"total_tokens":)";
  json += std::to_string(input + static_cast<std::int64_t>(output));
  if (g.message_format) {
    json += R"(,"prompt_tokens_details":{"cached_tokens":)";
    json += std::to_string(g.cached_tokens);
    json += '}';
  }
  if (g.enable_thinking) {
    json += R"(,"output_tokens_details":{"reasoning_tokens":)";
    json += std::to_string(reasoning);
    json += '}';
  }
  json += "},\"request_id\":";
}

std::string_view finish_of(const answer& a) {
  if (!a.calls.empty()) return "tool_calls";
  return a.cut_by_max_tokens ? "length" : "stop";
}

std::string joined(const std::vector<std::string>& pieces, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count && i < pieces.size(); ++i) text += pieces[i];
  return text;
}

// One streamed fragment: the first of a call names it, the others have an empty id.
void append_fragment(std::string& json, const answer& a, const tool_fragment& f) {
  const tool_call& call = a.calls[f.call];
  json += R"({"index":)";
  json += std::to_string(f.call);
  json += R"(,"id":)";
  append_json_string(json, f.first ? std::string_view(call.id) : std::string_view());
  json += R"(,"type":"function","function":{)";
  if (f.first) {
    json += R"("name":)";
    append_json_string(json, call.name);
    json += ',';
  }
  json += R"("arguments":)";
  append_json_string(json, f.arguments);
  json += "}}";
}

// The event's share of the answer: one reasoning piece, content (a piece, or everything so far
// when not incremental), or one tool call fragment.
struct event_part {
  std::string content;
  std::string_view reasoning;
  const tool_fragment* fragment = nullptr;
};

event_part part_of(const generation& g, const answer& a, std::size_t events_sent, bool final) {
  event_part part;
  const std::size_t reasoning = a.reasoning.size();
  if (final) {
    if (!a.fragments.empty()) part.fragment = &a.fragments.back();
    if (!g.incremental) part.content = joined(a.pieces, a.pieces.size());
    return part;
  }
  if (events_sent == 0) return part;
  const std::size_t at = events_sent - 1;
  if (at < reasoning) {
    part.reasoning = a.reasoning[at];
  } else if (!a.fragments.empty()) {
    part.fragment = &a.fragments[at - reasoning];
  } else if (g.incremental) {
    part.content = a.pieces[at - reasoning];
  } else {
    part.content = joined(a.pieces, at - reasoning + 1);
  }
  return part;
}

}  // namespace

std::string result_json(const generation& g, const answer& a, std::size_t events_sent, bool final,
                        std::string_view request_id) {
  const event_part part = part_of(g, a, events_sent, final);
  const std::string_view finish = final ? finish_of(a) : "null";
  std::string json;
  json.reserve(200 + part.content.size() + part.reasoning.size() + request_id.size());
  if (g.message_format) {
    json += R"({"output":{"choices":[{"message":{"content":)";
    append_json_string(json, part.content);
    if (g.enable_thinking) {
      json += R"(,"reasoning_content":)";
      append_json_string(json, part.reasoning);
    }
    json += R"(,"role":"assistant")";
    if (part.fragment != nullptr) {
      json += R"(,"tool_calls":[)";
      append_fragment(json, a, *part.fragment);
      json += ']';
    }
    json += R"(},"index":0,"finish_reason":")";
    json += finish;
    json += "\"}]}";
  } else {
    json += R"({"output":{"finish_reason":")";
    json += finish;
    json += R"(","text":)";
    append_json_string(json, part.content);
    json += '}';
  }
  const std::size_t output = final ? a.tokens() : events_sent;
  append_usage(json, g, output, std::min(output, a.reasoning.size()));
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string unary_json(const generation& g, const answer& a, std::string_view request_id) {
  const std::string text = joined(a.pieces, a.pieces.size());
  // A tool-call answer still says "stop" here: DashScope's non-stream capture does.
  const std::string_view finish = a.cut_by_max_tokens ? "length" : "stop";
  std::string json;
  json.reserve(200 + text.size() + request_id.size());
  if (g.message_format) {
    json += R"({"output":{"choices":[{"finish_reason":")";
    json += finish;
    json += R"(","message":{"role":"assistant","content":)";
    append_json_string(json, text);
    if (!a.calls.empty()) {
      json += R"(,"tool_calls":[)";
      for (std::size_t i = 0; i < a.calls.size(); ++i) {
        if (i != 0) json += ',';
        json += R"({"function":{"name":)";
        append_json_string(json, a.calls[i].name);
        json += R"(,"arguments":)";
        append_json_string(json, a.calls[i].arguments);
        json += R"(},"index":)";
        json += std::to_string(i);
        json += R"(,"id":)";
        append_json_string(json, a.calls[i].id);
        json += R"(,"type":"function"})";
      }
      json += ']';
    }
    json += "}}]}";
  } else {
    json += R"({"output":{"finish_reason":")";
    json += finish;
    json += R"(","text":)";
    append_json_string(json, text);
    json += '}';
  }
  append_usage(json, g, a.tokens(), a.reasoning.size());
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string error_json(const upstream_error& e, std::string_view request_id) {
  std::string json = "{\"code\":";
  append_json_string(json, e.code);
  json += ",\"message\":";
  append_json_string(json, e.message);
  json += ",\"request_id\":";
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string result_event(std::size_t id, std::string_view json) {
  std::string event = "id:";
  event += std::to_string(id);
  event += "\nevent:result\n:HTTP_STATUS/200\ndata:";
  event += json;
  event += "\n\n";
  return event;
}

std::string error_event(std::size_t id, const upstream_error& e, std::string_view request_id) {
  std::string event = "id:";
  event += std::to_string(id);
  event += "\nevent:error\n:HTTP_STATUS/";
  event += std::to_string(e.status);
  event += "\ndata:";
  event += error_json(e, request_id);
  event += "\n\n";
  return event;
}

}  // namespace qgate::mock
