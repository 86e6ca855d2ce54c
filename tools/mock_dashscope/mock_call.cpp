// The key gate, fault choice and answer preparation both endpoints run before rendering.
#include "tools/mock_dashscope/mock_call.hpp"

#include "tools/mock_dashscope/mock_wire.hpp"

namespace qgate::mock {
namespace {

// The fault a request asks for: the header wins over a marker in the prompt; the counting
// markers pick a fault by how often their key was seen. fail-first is asked before
// status-first, so the two can be chained: resets first, then statuses, then answers.
fault scripted_fault(const incoming& in, const markers& overrides, mock_state& state,
                     std::optional<upstream_error>& status_failure) {
  fault f = fault_from_name(in.fault_name).value_or(overrides.scripted);
  if (f != fault::none) return f;
  if (overrides.flaky_key && state.count_key("flaky:" + *overrides.flaky_key) == 1) {
    return fault::internal;
  }
  if (overrides.flap_key && state.count_key("flap:" + *overrides.flap_key) % 2 == 1) {
    return fault::unavailable;
  }
  if (const auto& first = overrides.fail_first;
      first && state.count_key("fail-first:" + first->key) <= first->count) {
    return fault::reset;
  }
  if (const auto& first = overrides.status_first;
      first && state.count_key("status-first:" + first->key) <= first->count) {
    status_failure = status_error(first->status);
  }
  return fault::none;
}

}  // namespace

void script_builder::write_chunk(std::string_view data) { append_chunk(step().bytes, data); }

script script_builder::finish(ending end, bool tracked) {
  script_.end = end;
  script_.tracked = tracked;
  return std::move(script_);
}

script_step& script_builder::step() {
  if (script_.steps.empty() || pause_ms_ > 0) script_.steps.push_back({pause_ms_, {}});
  pause_ms_ = 0;
  return script_.steps.back();
}

ending after_reply(bool keep_alive) { return keep_alive ? ending::keep_alive : ending::close; }

std::optional<refusal> admit_key(const incoming& in, mock_state& state) {
  const auto verdict = state.keys().admit(bearer_key(in.authorization), state.now_ms());
  switch (verdict.verdict) {
    case key_verdict::accepted:
      return std::nullopt;
    case key_verdict::unknown:
    case key_verdict::revoked:
      return refusal{*error_of(fault::auth), {}};
    case key_verdict::over_quota:
      return refusal{{429, "Throttling.AllocationQuota",
                      "Allocated quota exceeded, please increase your quota limit."},
                     "Retry-After: " + std::to_string(verdict.retry_after_s) + "\r\n"};
  }
  return refusal{*error_of(fault::auth), {}};
}

call make_call(const incoming& in, generation g, mock_state& state, std::string request_id) {
  const options& o = state.settings();
  call c;
  c.g = std::move(g);
  const auto& overrides = c.g.overrides;
  c.scripted = scripted_fault(in, overrides, state, c.status_failure);
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
  return c;
}

upstream_error error_for(const call& c) {
  if (c.scripted == fault::reflect || c.scripted == fault::reflect_code) {
    return reflected_error(c.scripted, c.request_headers);
  }
  return error_of(c.scripted).value_or(upstream_error{500, "InternalError", "no error"});
}

}  // namespace qgate::mock
