// Answer generation and rendering. JSON is written by hand (strings through append_json_string)
// so the key order matches DashScope's captures and rendering stays allocation-light.
#include "tools/mock_dashscope/mock_answer.hpp"

#include "messages/json_escape.hpp"

#include <algorithm>

namespace qgate::mock {
namespace {

void append_usage(std::string& json, std::int64_t input, std::int64_t output) {
  json += R"(,"usage":{"input_tokens":)";
  json += std::to_string(input);
  json += R"(,"output_tokens":)";
  json += std::to_string(output);
  json += R"(,"total_tokens":)";
  json += std::to_string(input + output);
  json += "},\"request_id\":";
}

std::string_view finish_of(const answer& a) { return a.cut_by_max_tokens ? "length" : "stop"; }

std::string joined(const answer& a, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count && i < a.pieces.size(); ++i) text += a.pieces[i];
  return text;
}

}  // namespace

std::vector<std::string> split_code_points(std::string_view text, int chunks) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  starts.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const std::size_t points = starts.size();
  const std::size_t count = std::min(static_cast<std::size_t>(std::max(chunks, 1)), points);
  std::vector<std::string> pieces;
  pieces.reserve(count);
  std::size_t point = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t begin = starts[point];
    point += points / count + (k < points % count ? 1 : 0);
    const std::size_t end = point < points ? starts[point] : text.size();
    pieces.emplace_back(text.substr(begin, end - begin));
  }
  return pieces;
}

answer make_answer(const generation& g, int chunks) {
  answer a;
  a.pieces = split_code_points("mock:" + g.last_user_content, chunks);
  if (g.max_tokens && static_cast<std::size_t>(*g.max_tokens) < a.pieces.size()) {
    a.pieces.resize(static_cast<std::size_t>(*g.max_tokens));
    a.cut_by_max_tokens = true;
  }
  return a;
}

std::string result_json(const generation& g, const answer& a, std::size_t pieces_sent, bool final,
                        std::string_view request_id) {
  std::string text;
  if (!g.incremental) {
    text = joined(a, pieces_sent);
  } else if (!final && pieces_sent > 0) {
    text = a.pieces[pieces_sent - 1];
  }
  const std::string_view finish = final ? finish_of(a) : "null";
  std::string json;
  json.reserve(160 + text.size() + request_id.size());
  if (g.message_format) {
    json += R"({"output":{"choices":[{"message":{"content":)";
    append_json_string(json, text);
    json += R"(,"role":"assistant"},"index":0,"finish_reason":")";
    json += finish;
    json += "\"}]}";
  } else {
    json += R"({"output":{"finish_reason":")";
    json += finish;
    json += R"(","text":)";
    append_json_string(json, text);
    json += '}';
  }
  append_usage(json, g.input_tokens, static_cast<std::int64_t>(pieces_sent));
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string unary_json(const generation& g, const answer& a, std::string_view request_id) {
  const std::string text = joined(a, a.pieces.size());
  std::string json;
  json.reserve(160 + text.size() + request_id.size());
  if (g.message_format) {
    json += R"({"output":{"choices":[{"finish_reason":")";
    json += finish_of(a);
    json += R"(","message":{"role":"assistant","content":)";
    append_json_string(json, text);
    json += "}}]}";
  } else {
    json += R"({"output":{"finish_reason":")";
    json += finish_of(a);
    json += R"(","text":)";
    append_json_string(json, text);
    json += '}';
  }
  append_usage(json, g.input_tokens, static_cast<std::int64_t>(a.pieces.size()));
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
