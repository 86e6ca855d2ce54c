// DashScope's native endpoint: validation, then the answer or fault as native JSON or SSE.
#include "tools/mock_dashscope/mock_call.hpp"
#include "tools/mock_dashscope/mock_render.hpp"
#include "tools/mock_dashscope/mock_routes.hpp"
#include "tools/mock_dashscope/mock_wire.hpp"

#include <optional>
#include <variant>

namespace qgate::mock {
namespace {

script error_reply(const upstream_error& e, std::string_view request_id, bool keep_alive,
                   std::string_view extra_headers = {}) {
  script_builder b(0);
  b.write(full_response(e.status, error_json(e, request_id), request_id, keep_alive, json_type,
                        extra_headers));
  return b.finish(after_reply(keep_alive), false);
}

// Errors found before any output still open an SSE stream: HTTP 200 and one `event:error`.
script stream_error(const upstream_error& e, std::string_view request_id, int first_byte_ms,
                    std::string_view extra_headers = {}) {
  script_builder b(first_byte_ms);
  b.write(response_head(200, sse_type, request_id, std::nullopt, false, extra_headers));
  b.write_chunk(error_event(1, e, request_id));
  b.write(last_chunk);
  return b.finish(ending::close, true);
}

void write_results(script_builder& b, const call& c, std::size_t count) {
  for (std::size_t sent = 1; sent <= count; ++sent) {
    if (sent > 1) b.pause(c.interval_ms);
    b.write_chunk(result_event(sent, result_json(c.g, c.a, sent, false, c.request_id)));
  }
}

script plan_stream(const call& c) {
  script_builder b(c.first_byte_ms);
  const auto head = [&] {
    b.write(response_head(200, sse_type, c.request_id, std::nullopt, false));
  };
  const std::size_t all = c.a.events();
  // A whole non-SSE answer that ends the connection (what a proxy or a real 429 would send).
  const auto plain = [&](int status, std::string_view body, std::string_view type) {
    b.write(full_response(status, body, c.request_id, false, type, c.extra_headers));
    return b.finish(ending::close, false);
  };
  if (c.status_failure) {
    return plain(c.status_failure->status, error_json(*c.status_failure, c.request_id), json_type);
  }
  switch (c.scripted) {
    case fault::auth:
    case fault::throttle:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
    case fault::context_length:
    case fault::reflect_code:
      return stream_error(error_for(c), c.request_id, c.first_byte_ms, c.extra_headers);
    case fault::throttle_retry:
      return plain(429, error_json(error_for(c), c.request_id), json_type);
    case fault::html:
      return plain(502, html_page(), html_type);
    case fault::reset:
      return b.finish(ending::reset, false);
    case fault::stall_first:
      return b.finish(ending::stall, true);
    case fault::malformed:
      head();
      b.write_chunk("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{oops\n\n");
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::inspect_mid:
    case fault::reflect:
      head();
      write_results(b, c, c.fault_point());
      b.pause(c.interval_ms);
      b.write_chunk(error_event(c.fault_point() + 1, error_for(c), c.request_id));
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::no_end:
      head();
      write_results(b, c, all);
      b.write(last_chunk);
      return b.finish(ending::close, true);
    case fault::stall_mid:
    case fault::drop_mid:
      head();
      write_results(b, c, c.fault_point());
      return b.finish(c.scripted == fault::stall_mid ? ending::stall : ending::drop, true);
    case fault::none:
      head();
      write_results(b, c, all);
      b.pause(c.interval_ms);
      b.write_chunk(result_event(all + 1, result_json(c.g, c.a, all, true, c.request_id)));
      b.write(last_chunk);
      return b.finish(ending::close, true);
  }
  return b.finish(ending::close, false);
}

script plan_unary(const call& c) {
  script_builder b(c.first_byte_ms);
  const auto error = [&](const upstream_error& e) {
    b.write(full_response(e.status, error_json(e, c.request_id), c.request_id, c.keep_alive,
                          json_type, c.extra_headers));
    return b.finish(after_reply(c.keep_alive), false);
  };
  if (c.status_failure) return error(*c.status_failure);
  switch (c.scripted) {
    case fault::auth:
    case fault::throttle:
    case fault::throttle_retry:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
    case fault::inspect_mid:
    case fault::context_length:
    case fault::reflect:
    case fault::reflect_code:
      return error(error_for(c));
    case fault::html:
      b.write(full_response(502, html_page(), c.request_id, c.keep_alive, html_type));
      return b.finish(after_reply(c.keep_alive), false);
    case fault::reset:
      return b.finish(ending::reset, false);
    case fault::stall_first:
      return b.finish(ending::stall, true);
    case fault::malformed:
      b.write(full_response(200, R"({"output": {"choices": [)", c.request_id, c.keep_alive));
      return b.finish(after_reply(c.keep_alive), false);
    case fault::stall_mid:
    case fault::drop_mid: {
      // The head promises the whole body; only half of it comes.
      const std::string body = unary_json(c.g, c.a, c.request_id);
      b.write(response_head(200, json_type, c.request_id, body.size(), c.keep_alive));
      b.write(std::string_view(body).substr(0, body.size() / 2));
      return b.finish(c.scripted == fault::stall_mid ? ending::stall : ending::drop, true);
    }
    case fault::none:
    case fault::no_end:  // a stream fault: a whole body has no end event to leave out
      b.write(full_response(200, unary_json(c.g, c.a, c.request_id), c.request_id, c.keep_alive));
      return b.finish(after_reply(c.keep_alive), false);
  }
  return b.finish(ending::close, false);
}

}  // namespace

script plan_native(const incoming& in, mock_state& state, std::string request_id) {
  if (in.method != "POST") {
    const std::string message = "Request method '" + std::string(in.method) + "' is not supported.";
    return error_reply({405, "MethodNotAllowed", message}, request_id, in.keep_alive);
  }
  if (auto refused = admit_key(in, state)) {
    return error_reply(refused->error, request_id, in.keep_alive, refused->extra_headers);
  }
  const bool stream =
      in.sse == "enable" || in.accept.find("text/event-stream") != std::string_view::npos;
  auto parsed = parse_generation(in.body);
  std::optional<upstream_error> failure;
  if (const auto* e = std::get_if<upstream_error>(&parsed)) {
    failure = *e;
  } else {
    failure = check_thinking(std::get<generation>(parsed), stream);
  }
  if (failure) {
    return stream ? stream_error(*failure, request_id, 0)
                  : error_reply(*failure, request_id, in.keep_alive);
  }
  const call c =
      make_call(in, std::move(std::get<generation>(parsed)), state, std::move(request_id));
  return stream ? plan_stream(c) : plan_unary(c);
}

}  // namespace qgate::mock
