#include "tools/mock_dashscope/mock_answer.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace qgate::mock {
namespace {

std::vector<std::string> split(std::string_view text, int chunks) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const std::size_t points = starts.size();
  const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(std::max(chunks, 1)), std::max<std::size_t>(points, 1));
  std::vector<std::string> pieces;
  std::size_t point = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t take = points / count + (k < points % count ? 1 : 0);
    const std::size_t begin = point < points ? starts[point] : text.size();
    point += take;
    const std::size_t end = point < points ? starts[point] : text.size();
    pieces.emplace_back(text.substr(begin, end - begin));
  }
  return pieces;
}

std::string text_so_far(const generation& g, const answer& a, std::size_t pieces_sent, bool final) {
  if (g.incremental) {
    if (final || pieces_sent == 0) return {};
    return a.pieces[pieces_sent - 1];
  }
  std::string text;
  for (std::size_t i = 0; i < pieces_sent; ++i) text += a.pieces[i];
  return text;
}

std::string body_json(const generation& g, const std::string& text, std::string_view finish,
                      std::int64_t input, std::int64_t output, const std::string& request_id) {
  std::string json = "{\"output\":";
  if (g.message_format) {
    json += R"({"choices":[{"message":{"content":)";
    append_json_string(json, text);
    json += fmt::format(R"(,"role":"assistant"}},"index":0,"finish_reason":"{}"}}]}})", finish);
  } else {
    json += fmt::format(R"({{"finish_reason":"{}","text":)", finish);
    append_json_string(json, text);
    json += '}';
  }
  json += fmt::format(R"(,"usage":{{"total_tokens":{},"output_tokens":{},"input_tokens":{}}},"request_id":)",
                      input + output, output, input);
  append_json_string(json, request_id);
  json += '}';
  return json;
}

}  // namespace

answer make_answer(const generation& g, int chunks) {
  answer a;
  a.pieces = split("mock:" + g.last_user_content, chunks);
  if (g.max_tokens && static_cast<std::size_t>(*g.max_tokens) < a.pieces.size()) {
    a.pieces.resize(static_cast<std::size_t>(*g.max_tokens));
    a.cut_by_max_tokens = true;
  }
  a.input_tokens = g.input_tokens;
  return a;
}

std::string result_json(const generation& g, const answer& a, std::size_t pieces_sent, bool final,
                        const std::string& request_id) {
  const std::string_view finish = !final ? "null" : a.cut_by_max_tokens ? "length" : "stop";
  return body_json(g, text_so_far(g, a, pieces_sent, final), finish, a.input_tokens,
                   static_cast<std::int64_t>(pieces_sent), request_id);
}

std::string unary_json(const generation& g, const answer& a, const std::string& request_id) {
  generation whole = g;
  whole.incremental = false;
  // DashScope's non-stream shape puts finish_reason before message; clients must not care.
  return body_json(whole, text_so_far(whole, a, a.pieces.size(), true),
                   a.cut_by_max_tokens ? "length" : "stop", a.input_tokens,
                   static_cast<std::int64_t>(a.pieces.size()), request_id);
}

std::string error_json(const upstream_error& e, const std::string& request_id) {
  std::string json = "{\"code\":";
  append_json_string(json, e.code);
  json += ",\"message\":";
  append_json_string(json, e.message);
  json += ",\"request_id\":";
  append_json_string(json, request_id);
  json += '}';
  return json;
}

std::string result_event(std::size_t id, const std::string& json) {
  return fmt::format("id:{}\nevent:result\n:HTTP_STATUS/200\ndata:{}\n\n", id, json);
}

std::string error_event(std::size_t id, const upstream_error& e, const std::string& request_id) {
  return fmt::format("id:{}\nevent:error\n:HTTP_STATUS/{}\ndata:{}\n\n", id, e.status, error_json(e, request_id));
}

}  // namespace qgate::mock
