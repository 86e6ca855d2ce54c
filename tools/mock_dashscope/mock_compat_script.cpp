// The OpenAI-compatible endpoint: the native endpoint's keys, faults and answers, rendered as
// Chat Completions. Errors before any output are real HTTP statuses in both modes; a stream that
// began ends a failure with a `data: {"error":...}` event and [DONE].
#include "tools/mock_dashscope/mock_call.hpp"
#include "tools/mock_dashscope/mock_compat_render.hpp"
#include "tools/mock_dashscope/mock_compat_request.hpp"
#include "tools/mock_dashscope/mock_routes.hpp"
#include "tools/mock_dashscope/mock_wire.hpp"

#include <ctime>
#include <variant>

namespace qgate::mock {
namespace {

script error_reply(const upstream_error& e, std::string_view request_id, bool keep_alive,
                   std::string_view extra_headers = {}, int first_byte_ms = 0) {
  script_builder b(first_byte_ms);
  b.write(full_response(e.status, compat_error_json(e, request_id), request_id, keep_alive,
                        json_type, extra_headers));
  return b.finish(after_reply(keep_alive), false);
}

// The fault's error when it fails before any output; nullopt for every other fault.
std::optional<upstream_error> early_error(const call& c, bool stream) {
  if (c.status_failure) return c.status_failure;
  switch (c.scripted) {
    case fault::auth:
    case fault::throttle:
    case fault::throttle_retry:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
    case fault::context_length:
    case fault::reflect_code:
      return error_for(c);
    case fault::inspect_mid:
    case fault::reflect:
      if (!stream) return error_for(c);
      return std::nullopt;
    case fault::none:
    case fault::stall_first:
    case fault::stall_mid:
    case fault::drop_mid:
    case fault::malformed:
    case fault::no_end:
    case fault::reset:
    case fault::html:
      return std::nullopt;
  }
  return std::nullopt;
}

void write_tokens(script_builder& b, const call& c, const compat_chunks& chunks,
                  std::size_t count) {
  for (std::size_t i = 0; i < count && i < chunks.tokens.size(); ++i) {
    if (i > 0) b.pause(c.interval_ms);
    b.write_chunk(compat_event(chunks.tokens[i]));
  }
}

script plan_stream(const call& c, const compat_chunks& chunks) {
  script_builder b(c.first_byte_ms);
  const auto head = [&] {
    b.write(response_head(200, compat_sse_type, c.request_id, std::nullopt, false));
    b.write_chunk(compat_event(chunks.role));
  };
  switch (c.scripted) {
    case fault::malformed:
      b.write(response_head(200, compat_sse_type, c.request_id, std::nullopt, false));
      b.write_chunk("data: {\"choices\":[{oops\n\n");
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::inspect_mid:
    case fault::reflect:
      head();
      write_tokens(b, c, chunks, c.fault_point());
      b.pause(c.interval_ms);
      b.write_chunk(compat_event(compat_error_json(error_for(c), c.request_id)));
      b.write_chunk(compat_done);
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::no_end:
      head();
      write_tokens(b, c, chunks, chunks.tokens.size());
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::stall_mid:
    case fault::drop_mid:
      head();
      write_tokens(b, c, chunks, c.fault_point());
      return b.finish(c.scripted == fault::stall_mid ? ending::stall : ending::drop, true);
    default:
      break;
  }
  head();
  write_tokens(b, c, chunks, chunks.tokens.size());
  b.pause(c.interval_ms);
  b.write_chunk(compat_event(chunks.finish));
  if (!chunks.usage.empty()) b.write_chunk(compat_event(chunks.usage));
  b.write_chunk(compat_done);
  b.write(last_chunk);
  return b.finish(ending::close, true);
}

script plan_unary(const call& c, const compat_head& h) {
  script_builder b(c.first_byte_ms);
  const std::string body = compat_unary_json(c.g, c.a, h);
  switch (c.scripted) {
    case fault::malformed:
      b.write(full_response(200, R"({"choices": [)", c.request_id, c.keep_alive));
      return b.finish(after_reply(c.keep_alive), false);
    case fault::stall_mid:
    case fault::drop_mid:
      // The head promises the whole body; only half of it comes.
      b.write(response_head(200, json_type, c.request_id, body.size(), c.keep_alive));
      b.write(std::string_view(body).substr(0, body.size() / 2));
      return b.finish(c.scripted == fault::stall_mid ? ending::stall : ending::drop, true);
    default:
      b.write(full_response(200, body, c.request_id, c.keep_alive));
      return b.finish(after_reply(c.keep_alive), false);
  }
}

}  // namespace

script plan_compat(const incoming& in, mock_state& state, std::string request_id) {
  if (in.method != "POST") {
    const std::string message = "Request method '" + std::string(in.method) + "' is not supported.";
    return error_reply({405, "MethodNotAllowed", message}, request_id, in.keep_alive);
  }
  if (auto refused = admit_key(in, state)) {
    return error_reply(refused->error, request_id, in.keep_alive, refused->extra_headers);
  }
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  auto parsed = parse_compat(in.body, path == self_hosted_compat_path);
  if (const auto* e = std::get_if<upstream_error>(&parsed)) {
    return error_reply(*e, request_id, in.keep_alive);
  }
  auto& r = std::get<compat_request>(parsed);
  const call c = make_call(in, std::move(r.g), state, std::move(request_id));
  if (const auto e = early_error(c, r.stream)) {
    return error_reply(*e, c.request_id, c.keep_alive, c.extra_headers, c.first_byte_ms);
  }
  script_builder b(c.first_byte_ms);
  switch (c.scripted) {
    case fault::html:
      b.write(full_response(502, html_page(), c.request_id, c.keep_alive, html_type));
      return b.finish(after_reply(c.keep_alive), false);
    case fault::reset:
      return b.finish(ending::reset, false);
    case fault::stall_first:
      return b.finish(ending::stall, true);
    default:
      break;
  }
  const compat_head h{c.request_id, c.g.model, static_cast<std::int64_t>(std::time(nullptr))};
  if (!r.stream) return plan_unary(c, h);
  return plan_stream(c, compat_stream(c.g, c.a, h, r.include_usage));
}

}  // namespace qgate::mock
