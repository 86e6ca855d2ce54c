// What the native and the OpenAI-compatible endpoints share between a request and its script:
// the key gate, the fault a request asks for, its timing, its answer and the script builder.
#pragma once

#include "tools/mock_dashscope/mock_answer.hpp"
#include "tools/mock_dashscope/mock_fault.hpp"
#include "tools/mock_dashscope/mock_script.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::mock {

// Appends writes to a script; a write that has no pause before it joins the previous step, so a
// stream without intervals goes out in one socket write.
class script_builder {
 public:
  explicit script_builder(int first_byte_ms) : pause_ms_(first_byte_ms) {}

  void pause(int ms) { pause_ms_ += ms; }
  void write(std::string_view bytes) { step().bytes += bytes; }
  void write_chunk(std::string_view data);
  script finish(ending end, bool tracked);

 private:
  script_step& step();

  script script_;
  int pause_ms_ = 0;
};

ending after_reply(bool keep_alive);

// One validated generation request and how it is to be answered.
struct call {
  generation g;
  answer a;
  fault scripted = fault::none;
  // [[status-first]]: this error before any output, as a real HTTP status in both modes.
  std::optional<upstream_error> status_failure;
  int interval_ms = 0;
  int first_byte_ms = 0;
  std::string request_id;
  bool keep_alive = true;
  std::string extra_headers;         // the throttle faults' Retry-After line, if any
  std::string_view request_headers;  // for the reflect faults

  // Where the *-mid faults strike: after half the native events (at least one).
  std::size_t fault_point() const { return std::max<std::size_t>(1, a.events() / 2); }
};

// Why the key gate turned a request away; a quota refusal carries its Retry-After line.
struct refusal {
  upstream_error error;
  std::string extra_headers;
};

// Counts the presented key and checks it: unknown or revoked → 401 InvalidApiKey, over its
// quota → 429 Throttling.AllocationQuota with Retry-After.
std::optional<refusal> admit_key(const incoming& in, mock_state& state);

// A validated request's fault (the X-Mock-Fault header wins over markers; the flaky, flap,
// fail-first and status-first markers count their keys), timing and answer.
call make_call(const incoming& in, generation g, mock_state& state, std::string request_id);

// The error of a fault that is an error response (the reflect faults echo the headers).
upstream_error error_for(const call& c);

}  // namespace qgate::mock
