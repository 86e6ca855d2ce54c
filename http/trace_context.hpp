// W3C Trace Context: the `traceparent` a call carries upstream and into the access log. qgate
// passes the caller's on unchanged (it records no spans of its own); a call without a valid one
// starts a new trace, so the upstream's logs and ours still meet on one id.
#pragma once

#include <string>
#include <string_view>

namespace qgate::http {

// True for a traceparent this version of the spec lets a participant use: version 00 exactly
// (55 characters), or a later version (not ff) whose first 55 characters read as 00's fields and
// go on with '-'; lower-case hex, trace-id and parent-id not all zeros (pure).
[[nodiscard]] bool valid_traceparent(std::string_view value) noexcept;

// The caller's traceparent when valid (a later version cut to version 00's fields), else a new
// one: version 00, a random trace-id and parent-id, flags 00.
[[nodiscard]] std::string traceparent_for(std::string_view incoming);

// The trace-id (32 hex digits) of a valid traceparent.
[[nodiscard]] inline std::string_view trace_id_of(std::string_view traceparent) noexcept {
  return traceparent.substr(3, 32);
}

}  // namespace qgate::http
