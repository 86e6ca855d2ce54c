#include "http/json_render.hpp"

#include "http/error_mapping.hpp"
#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::http {
namespace {

constexpr std::string_view success_prefix = R"({"code":200,"message":"success","data":)";

void append_field(std::string& out, std::string_view key, std::string_view text) {
  out += '"';
  out += key;
  out += "\":";
  append_json_string(out, text);
  out += ',';
}

void append_model(std::string& out, const model_info& model) {
  fmt::format_to(std::back_inserter(out), R"({{"id":{},)", model.id);
  append_field(out, "title", model.title);
  append_field(out, "img", model.img);
  append_field(out, "name", model.name);
  append_field(out, "description", model.description);
  append_field(out, "keyword", model.keyword);
  append_field(out, "time", model.time);
  append_field(out, "tag1", model.tag1);
  append_field(out, "tag2", model.tag2);
  fmt::format_to(std::back_inserter(out), R"("type":{},"is_featured":{},)", model.type,
                 model.is_featured);
  append_field(out, "created_at", model.created_at);
  out += R"("updated_at":)";
  append_json_string(out, model.updated_at);
  out += '}';
}

void append_usage(std::string& out, const token_usage& usage) {
  fmt::format_to(std::back_inserter(out),
                 R"("usage":{{"input_tokens":{},"output_tokens":{},"total_tokens":{}}})",
                 usage.input_tokens, usage.output_tokens, usage.total_tokens);
}

}  // namespace

std::string success_body(std::string_view data_json) {
  std::string body;
  body.reserve(success_prefix.size() + data_json.size() + 1);
  body += success_prefix;
  body += data_json;
  body += '}';
  return body;
}

std::string models_body(const std::vector<model_info>& models) {
  std::string body(success_prefix);
  body += '[';
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (i != 0) body += ',';
    append_model(body, models[i]);
  }
  body += "]}";
  return body;
}

std::string usage_body(const std::vector<usage_total>& totals) {
  std::string body(success_prefix);
  body += '[';
  for (std::size_t i = 0; i < totals.size(); ++i) {
    const auto& t = totals[i];
    if (i != 0) body += ',';
    body += R"({"day":)";
    append_json_string(body, t.day);
    body += R"(,"model":)";
    append_json_string(body, t.model);
    fmt::format_to(std::back_inserter(body),
                   R"(,"requests":{},"input_tokens":{},"output_tokens":{},"total_tokens":{}}})",
                   t.requests, t.input_tokens, t.output_tokens, t.total_tokens);
  }
  body += "]}";
  return body;
}

std::string completion_body(const chat_completion& completion) {
  std::string body(success_prefix);
  body += R"({"content":)";
  append_json_string(body, completion.content);
  body += R"(,"finish_reason":")";
  body += to_string(completion.finish);
  body += "\",";
  append_usage(body, completion.usage);
  body += "}}";
  return body;
}

void append_delta_frame(std::string& out, const chat_delta& delta) {
  out += R"(data: {"content":)";
  append_json_string(out, delta.content);
  if (!delta.finish) {
    out += ",\"finish_reason\":null}\n\n";
    return;
  }
  out += R"(,"finish_reason":")";
  out += to_string(*delta.finish);
  out += "\",";
  append_usage(out, delta.usage);
  out += "}\n\n";
}

std::string error_frame(const error& err) {
  std::string frame = "data: ";
  frame += error_body(err);
  frame += "\n\n";
  return frame;
}

}  // namespace qgate::http
