#include "http/openai_render.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace qgate::http {
namespace {

// The catalog's `created_at` ("2025-01-01T00:00:00", UTC) in Unix seconds; 0 when unreadable.
std::int64_t unix_seconds(const std::string& timestamp) {
  std::tm parts{};
  if (std::sscanf(timestamp.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec) < 3) {
    return 0;
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  const std::time_t seconds = timegm(&parts);
  return seconds < 0 ? 0 : static_cast<std::int64_t>(seconds);
}

void append_model(std::string& out, const model_info& model) {
  out += R"({"id":)";
  append_json_string(out, model.title);
  fmt::format_to(std::back_inserter(out),
                 R"(,"object":"model","created":{},"owned_by":"alibaba"}})",
                 unix_seconds(model.created_at));
}

void append_usage(std::string& out, const token_usage& usage) {
  fmt::format_to(std::back_inserter(out),
                 R"("usage":{{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{},)"
                 R"("prompt_tokens_details":{{"cached_tokens":{}}},)"
                 R"("completion_tokens_details":{{"reasoning_tokens":{}}}}})",
                 usage.input_tokens, usage.output_tokens, usage.total_tokens, usage.cached_tokens,
                 usage.reasoning_tokens);
}

void append_head(std::string& out, const openai_reply_context& context, std::string_view object) {
  out += R"({"id":)";
  append_json_string(out, context.id);
  out += R"(,"object":")";
  out += object;
  fmt::format_to(std::back_inserter(out), R"(","created":{},"model":)", context.created);
  append_json_string(out, context.model);
}

// DashScope ends a tool-calling answer with "stop" (non-stream); OpenAI's clients look for
// "tool_calls".
std::string_view finish_text(finish_reason finish, bool called_tools) {
  if (called_tools && finish == finish_reason::stop) return "tool_calls";
  return to_string(finish);
}

void append_function(std::string& out, std::string_view name, std::string_view arguments) {
  out += R"("function":{"name":)";
  append_json_string(out, name);
  out += R"(,"arguments":)";
  append_json_string(out, arguments);
  out += '}';
}

}  // namespace

openai_error_reply map_openai_error(const error& err) {
  const auto or_default = [&](std::string_view fallback) {
    return err.detail.empty() ? std::string(fallback) : err.detail;
  };
  // No default: a new errc does not compile until it is mapped here.
  switch (err.code) {
    case errc::invalid_model:
      return {404, "invalid_request_error", "model_not_found",
              fmt::format("The model `{}` does not exist or you do not have access to it.",
                          err.detail)};
    case errc::invalid_messages:
    case errc::invalid_params:
      return {400, "invalid_request_error", {}, or_default("Invalid request.")};
    case errc::bad_request:
      return {400, "invalid_request_error", {}, "The request could not be parsed."};
    case errc::unauthorized:
      return {401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."};
    case errc::upstream_unauthorized:
      // Not the caller's key: a 401 would tell an SDK user to fix theirs.
      return {502, "upstream_error", "upstream_auth_failed",
              "The upstream rejected the gateway's own credential (not your API key); the "
              "operator has been told. " +
                  or_default("")};
    case errc::forbidden:
      return {403, "invalid_request_error", "forbidden",
              or_default("This key may not use this URL.")};
    case errc::not_found:
      return {404, "invalid_request_error", "unknown_url", or_default("Unknown request URL.")};
    case errc::method_not_allowed:
      return {405, "invalid_request_error", "method_not_allowed",
              "This method is not allowed on this URL."};
    case errc::payload_too_large:
      return {413, "invalid_request_error", "payload_too_large", "The request body is too large."};
    case errc::headers_too_large:
      return {431, "invalid_request_error", "headers_too_large",
              "The request headers are too large."};
    case errc::request_timeout:
      return {408, "invalid_request_error", "request_timeout",
              "The request was not received in time."};
    case errc::conflict:
      return {409, "invalid_request_error", "conflict", or_default("The resource exists already.")};
    case errc::rate_limited:
      return {429, "requests", "rate_limit_exceeded",
              "Rate limit reached: " + or_default("too many requests") +
                  ". Please retry after the time given in Retry-After."};
    case errc::upstream_error:
      // DashScope refusing the request itself (a prompt too long, a schema it does not take) is
      // the caller's to fix, as OpenAI reports it; anything else is the upstream failing.
      if (err.upstream_status == 400) {
        const bool too_long = err.detail.find("Range of input length") != std::string::npos;
        return {400, "invalid_request_error", too_long ? "context_length_exceeded" : "",
                "The upstream refused the request: " + or_default("invalid request")};
      }
      return {502, "upstream_error", "upstream_error", "Upstream error: " + or_default("unknown")};
    case errc::timeout:
      return {504, "timeout", "timeout",
              "The upstream did not answer in time: " + or_default("timeout")};
    case errc::unavailable:
      return {503, "server_error", "service_unavailable",
              "The gateway is shutting down; please retry."};
    case errc::overloaded:
      return {503, "server_error", "overloaded", "The gateway is overloaded; please retry."};
    case errc::internal_error:
      return {500, "server_error", "internal_error", "The gateway had an internal error."};
  }
  return {500, "server_error", "internal_error", "The gateway had an internal error."};
}

std::string openai_models_body(const std::vector<model_info>& models) {
  std::string body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (i != 0) body += ',';
    append_model(body, models[i]);
  }
  body += "]}";
  return body;
}

std::string openai_model_body(const model_info& model) {
  std::string body;
  append_model(body, model);
  return body;
}

std::string openai_completion_body(const openai_reply_context& context,
                                   const chat_completion& completion) {
  std::string body;
  body.reserve(256 + completion.content.size() + completion.reasoning_content.size());
  append_head(body, context, "chat.completion");
  body += R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)";
  const bool called_tools = !completion.tool_calls.empty();
  if (called_tools && completion.content.empty()) {
    body += "null";
  } else {
    append_json_string(body, completion.content);
  }
  if (!completion.reasoning_content.empty()) {
    body += R"(,"reasoning_content":)";
    append_json_string(body, completion.reasoning_content);
  }
  if (called_tools) {
    body += R"(,"tool_calls":[)";
    for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
      const auto& call = completion.tool_calls[i];
      if (i != 0) body += ',';
      body += R"({"id":)";
      append_json_string(body, call.id);
      body += R"(,"type":"function",)";
      append_function(body, call.name, call.arguments);
      body += '}';
    }
    body += ']';
  }
  body += R"(},"logprobs":null,"finish_reason":")";
  body += finish_text(completion.finish, called_tools);
  body += "\"}],";
  append_usage(body, completion.usage);
  body += '}';
  return body;
}

std::string openai_error_body(const error& err) {
  const auto mapped = map_openai_error(err);
  std::string body = R"({"error":{"message":)";
  append_json_string(body, mapped.message);
  body += R"(,"type":)";
  append_json_string(body, mapped.type);
  body += R"(,"param":)";
  // An unknown model is the `model` field's fault wherever it was found out (the catalog).
  const std::string_view param = err.param.empty() && err.code == errc::invalid_model
                                     ? std::string_view("model")
                                     : std::string_view(err.param);
  if (param.empty()) {
    body += "null";
  } else {
    append_json_string(body, param);
  }
  body += R"(,"code":)";
  if (mapped.code.empty()) {
    body += "null";
  } else {
    append_json_string(body, mapped.code);
  }
  body += "}}";
  return body;
}

std::string openai_error_frame(const error& err) {
  std::string frame = "data: ";
  frame += openai_error_body(err);
  frame += "\n\n";
  return frame;
}

void openai_stream::open_chunk(std::string& out) const {
  out += "data: ";
  append_head(out, context_, "chat.completion.chunk");
  out += R"(,"choices":[{"index":0,"delta":{)";
}

void openai_stream::close_chunk(std::string& out, std::string_view finish) const {
  out += R"(},"logprobs":null,"finish_reason":)";
  if (finish.empty()) {
    out += "null";
  } else {
    out += '"';
    out += finish;
    out += '"';
  }
  out += "}]";
  if (context_.include_usage) out += R"(,"usage":null)";
  out += "}\n\n";
}

void openai_stream::append(std::string& out, const chat_delta& delta) {
  const bool has_text = !delta.content.empty() || !delta.reasoning_content.empty();
  if (began_ && !has_text && delta.tool_calls.empty() && !delta.finish) return;
  if (!began_ || has_text || !delta.tool_calls.empty()) {
    open_chunk(out);
    bool comma = false;
    const auto field = [&](std::string_view name) {
      if (comma) out += ',';
      comma = true;
      out += '"';
      out += name;
      out += "\":";
    };
    if (!began_) {
      field("role");
      out += R"("assistant")";
    }
    // The first chunk carries content "" when it has nothing else, as OpenAI's does.
    if (!delta.content.empty() || (!began_ && !has_text && delta.tool_calls.empty())) {
      field("content");
      append_json_string(out, delta.content);
    }
    if (!delta.reasoning_content.empty()) {
      field("reasoning_content");
      append_json_string(out, delta.reasoning_content);
    }
    if (!delta.tool_calls.empty()) {
      field("tool_calls");
      out += '[';
      for (std::size_t i = 0; i < delta.tool_calls.size(); ++i) {
        const auto& call = delta.tool_calls[i];
        if (i != 0) out += ',';
        fmt::format_to(std::back_inserter(out), R"({{"index":{},)", call.index);
        const bool first = std::find(started_calls_.begin(), started_calls_.end(), call.index) ==
                           started_calls_.end();
        if (first) {
          started_calls_.push_back(call.index);
          out += R"("id":)";
          append_json_string(out, call.id);
          out += R"(,"type":"function",)";
          append_function(out, call.name, call.arguments);
        } else {
          out += R"("function":{"arguments":)";
          append_json_string(out, call.arguments);
          out += '}';
        }
        out += '}';
      }
      out += ']';
      called_tools_ = true;
    }
    began_ = true;
    close_chunk(out, {});
  }
  if (!delta.finish) return;
  open_chunk(out);
  close_chunk(out, finish_text(*delta.finish, called_tools_));
  if (context_.include_usage) {
    out += "data: ";
    append_head(out, context_, "chat.completion.chunk");
    out += R"(,"choices":[],)";
    append_usage(out, delta.usage);
    out += "}\n\n";
  }
  out += "data: [DONE]\n\n";
}

}  // namespace qgate::http
