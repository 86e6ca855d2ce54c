// The faults the mock can play, DashScope's error bodies for them, and the per-request markers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qgate::mock {

enum class fault {
  none,
  auth,         // 401 InvalidApiKey
  throttle,     // 429 Throttling.RateQuota
  internal,     // 500 InternalError
  unavailable,  // 503 ModelUnavailable
  inspect,      // 400 DataInspectionFailed before any output
  inspect_mid,  // DataInspectionFailed after half the answer
  stall_first,  // nothing at all until the client leaves
  stall_mid,    // half the answer, then nothing until the client leaves
  drop_mid,     // half the answer, then the connection closes
  malformed,    // invalid JSON
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
// The error a fault answers with; nullopt for faults that are not an error response.
std::optional<upstream_error> error_of(fault f);

// Per-request overrides found in the last user message. Markers stay in the echoed answer.
struct markers {
  std::optional<int> chunks;         // [[chunks:N]]
  std::optional<int> interval_ms;    // [[interval:MS]]
  std::optional<int> first_byte_ms;  // [[first-byte:MS]]
  fault scripted = fault::none;      // [[fault:NAME]]
};

markers read_markers(std::string_view text);

}  // namespace qgate::mock
