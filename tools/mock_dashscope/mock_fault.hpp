// The faults the mock can play, DashScope's error bodies for them, and the per-request markers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::mock {

enum class fault {
  none,
  auth,            // 401 InvalidApiKey
  throttle,        // 429 Throttling.RateQuota
  throttle_retry,  // the same 429 with `Retry-After: 7`, as a real 429 status in both modes
  internal,        // 500 InternalError
  unavailable,     // 503 ModelUnavailable
  inspect,         // 400 DataInspectionFailed before any output
  inspect_mid,     // DataInspectionFailed after half the answer
  stall_first,     // nothing at all until the client leaves
  stall_mid,       // half the answer, then nothing until the client leaves
  drop_mid,        // half the answer, then the connection closes
  malformed,       // invalid JSON
  no_end,          // stream: every content event, then a clean close without the final event
  reset,           // the connection is reset before any byte of the response
  context_length,  // 400 InvalidParameter: the input is longer than the model takes
  reflect,         // an error whose message echoes every request header (Authorization too)
  reflect_code,    // the same, with a long `code` that tries to forge a log line
  html,            // 502 with an HTML page (a proxy in front of DashScope)
};

// The names used by `X-Mock-Fault: <name>` and `[[fault:<name>]]`, e.g. "inspect-mid".
std::optional<fault> fault_from_name(std::string_view name);

// A DashScope error: HTTP status, `code` and `message` exactly as the platform writes them.
struct upstream_error {
  int status = 400;
  std::string code;
  std::string message;
};

upstream_error invalid_parameter(std::string message);
// The error a fault answers with; nullopt for faults that are not an error response, or whose
// error depends on the request (see reflected_error).
std::optional<upstream_error> error_of(fault f);
// The reflect faults' error: `headers` is every request header as "Name: value\n" lines.
upstream_error reflected_error(fault f, std::string_view headers);
// What the html fault answers (Content-Type: text/html).
inline constexpr std::string_view html_type = "text/html";
std::string_view html_page();

// The errors [[status-first:KEY:N:STATUS]] may give, as real HTTP statuses in both modes:
// 500 InternalError, 502 ModelServiceFailed, 503 ModelUnavailable, 504 RequestTimeOut.
std::optional<upstream_error> status_error(int status);

// [[fail-first:KEY:N]] and [[status-first:KEY:N:STATUS]]: the first `count` requests with `key`
// fail; `status` is 0 for fail-first.
struct first_failures {
  std::string key;
  std::int64_t count = 0;
  int status = 0;
};

// Per-request overrides found in the last user message. Markers stay in the echoed answer.
struct markers {
  std::optional<int> chunks;         // [[chunks:N]]
  std::optional<int> interval_ms;    // [[interval:MS]]
  std::optional<int> first_byte_ms;  // [[first-byte:MS]]
  fault scripted = fault::none;      // [[fault:NAME]]
  // [[retry-after:VALUE]]: the Retry-After header of the throttle faults, sent as written (any
  // printable ASCII, so tests can send garbage).
  std::optional<std::string> retry_after;
  // [[flaky:KEY]]: the first request with KEY gets the internal fault (500), later ones answer.
  std::optional<std::string> flaky_key;
  // [[flap:KEY]]: requests with KEY alternate: the 1st, 3rd, … get unavailable (503).
  std::optional<std::string> flap_key;
  // [[cached:N]]: usage.prompt_tokens_details.cached_tokens (at most the input tokens).
  std::optional<int> cached_tokens;
  // [[fail-first:KEY:N]]: the first N requests with KEY are reset before any byte.
  std::optional<first_failures> fail_first;
  // [[status-first:KEY:N:STATUS]]: the first N requests with KEY get status_error(STATUS).
  std::optional<first_failures> status_first;
};

markers read_markers(std::string_view text);

}  // namespace qgate::mock
