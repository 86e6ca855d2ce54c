// Routing, authentication and the fault scripts: which bytes go out, when, and how it ends.
#include "tools/mock_dashscope/mock_script.hpp"

#include "tools/mock_dashscope/mock_answer.hpp"
#include "tools/mock_dashscope/mock_render.hpp"
#include "tools/mock_dashscope/mock_wire.hpp"

#include <algorithm>
#include <optional>
#include <variant>

namespace qgate::mock {
namespace {

// Appends writes to a script; a write that has no pause before it joins the previous step, so a
// stream without intervals goes out in one socket write.
class script_builder {
 public:
  explicit script_builder(int first_byte_ms) : pause_ms_(first_byte_ms) {}

  void pause(int ms) { pause_ms_ += ms; }
  void write(std::string_view bytes) { step().bytes += bytes; }
  void write_chunk(std::string_view data) { append_chunk(step().bytes, data); }
  script finish(ending end, bool tracked) {
    script_.end = end;
    script_.tracked = tracked;
    return std::move(script_);
  }

 private:
  script_step& step() {
    if (script_.steps.empty() || pause_ms_ > 0) script_.steps.push_back({pause_ms_, {}});
    pause_ms_ = 0;
    return script_.steps.back();
  }

  script script_;
  int pause_ms_ = 0;
};

// One validated generation request and how it is to be answered.
struct call {
  generation g;
  answer a;
  fault scripted = fault::none;
  int interval_ms = 0;
  int first_byte_ms = 0;
  std::string request_id;
  bool keep_alive = true;
  std::string extra_headers;         // the throttle faults' Retry-After line, if any
  std::string_view request_headers;  // for the reflect faults

  // Where the *-mid faults strike: after half the events (at least one).
  std::size_t fault_point() const { return std::max<std::size_t>(1, a.events() / 2); }
};

ending after_reply(bool keep_alive) { return keep_alive ? ending::keep_alive : ending::close; }

script reply(int status, std::string_view body, std::string_view request_id, bool keep_alive) {
  script_builder b(0);
  b.write(full_response(status, body, request_id, keep_alive));
  return b.finish(after_reply(keep_alive), false);
}

script error_reply(const upstream_error& e, std::string_view request_id, bool keep_alive) {
  return reply(e.status, error_json(e, request_id), request_id, keep_alive);
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
  switch (c.scripted) {
    case fault::auth:
    case fault::throttle:
    case fault::internal:
    case fault::unavailable:
    case fault::inspect:
    case fault::context_length:
      return stream_error(*error_of(c.scripted), c.request_id, c.first_byte_ms, c.extra_headers);
    case fault::throttle_retry:
      return plain(429, error_json(*error_of(c.scripted), c.request_id), json_type);
    case fault::reflect_code:
      return stream_error(reflected_error(c.scripted, c.request_headers), c.request_id,
                          c.first_byte_ms);
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
    case fault::reflect: {
      const auto e = c.scripted == fault::reflect ? reflected_error(c.scripted, c.request_headers)
                                                  : *error_of(c.scripted);
      head();
      write_results(b, c, c.fault_point());
      b.pause(c.interval_ms);
      b.write_chunk(error_event(c.fault_point() + 1, e, c.request_id));
      b.write(last_chunk);
      return b.finish(ending::close, true);
    }
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
    case fault::reflect_code: {
      const auto e = c.scripted == fault::reflect || c.scripted == fault::reflect_code
                         ? reflected_error(c.scripted, c.request_headers)
                         : *error_of(c.scripted);
      b.write(full_response(e.status, error_json(e, c.request_id), c.request_id, c.keep_alive,
                            json_type, c.extra_headers));
      return b.finish(after_reply(c.keep_alive), false);
    }
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

bool authorized(std::string_view authorization, std::string_view key) {
  constexpr std::string_view bearer = "Bearer ";
  return authorization.starts_with(bearer) && authorization.substr(bearer.size()) == key;
}

// The fault a request asks for: the header wins over a marker in the prompt; the flaky and flap
// markers pick a fault by how often their key was seen.
fault scripted_fault(const incoming& in, const markers& overrides, mock_state& state) {
  fault f = fault_from_name(in.fault_name).value_or(overrides.scripted);
  if (f != fault::none) return f;
  if (overrides.flaky_key && state.count_key("flaky:" + *overrides.flaky_key) == 1) {
    return fault::internal;
  }
  if (overrides.flap_key && state.count_key("flap:" + *overrides.flap_key) % 2 == 1) {
    return fault::unavailable;
  }
  return fault::none;
}

script plan_generation(const incoming& in, mock_state& state, std::string request_id) {
  const options& o = state.settings();
  if (in.method != "POST") {
    const std::string message = "Request method '" + std::string(in.method) + "' is not supported.";
    return error_reply({405, "MethodNotAllowed", message}, request_id, in.keep_alive);
  }
  if (!authorized(in.authorization, o.api_key)) {
    return error_reply(*error_of(fault::auth), request_id, in.keep_alive);
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
  call c;
  c.g = std::move(std::get<generation>(parsed));
  const auto& overrides = c.g.overrides;
  c.scripted = scripted_fault(in, overrides, state);
  const bool throttled = c.scripted == fault::throttle || c.scripted == fault::throttle_retry;
  if (c.scripted == fault::throttle_retry || (throttled && overrides.retry_after)) {
    c.extra_headers = "Retry-After: " + overrides.retry_after.value_or("7") + "\r\n";
  }
  c.request_headers = in.request_headers;
  c.interval_ms = overrides.interval_ms.value_or(o.chunk_interval_ms);
  c.first_byte_ms = overrides.first_byte_ms.value_or(o.first_byte_ms);
  c.a = make_answer(c.g, overrides.chunks.value_or(o.chunks), request_id);
  c.request_id = std::move(request_id);
  c.keep_alive = in.keep_alive;
  return stream ? plan_stream(c) : plan_unary(c);
}

}  // namespace

bool is_control_target(std::string_view target) { return target.starts_with("/mock/"); }

script plan(const incoming& in, mock_state& state) {
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  if (path == "/mock/stats") return reply(200, state.stats_json(), "-", in.keep_alive);
  if (path == "/mock/requests") {
    if (in.method == "DELETE") {
      state.clear_records();
      return reply(200, R"({"cleared":true})", "-", in.keep_alive);
    }
    return reply(200, state.records_json(), "-", in.keep_alive);
  }
  ++state.counters().requests;
  std::string request_id = new_request_id();
  if (path != generation_path) {
    return error_reply({404, "NotFound", "url error, please check url！"}, request_id,
                       in.keep_alive);
  }
  return plan_generation(in, state, std::move(request_id));
}

bool reflects(std::string_view fault_name, std::string_view body) {
  return fault_name.starts_with("reflect") ||
         body.find("[[fault:reflect") != std::string_view::npos;
}

}  // namespace qgate::mock
