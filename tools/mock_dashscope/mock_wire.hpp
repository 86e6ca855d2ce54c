// HTTP/1.1 bytes the mock writes itself: status lines, heads, chunks, request ids.
// Responses are raw bytes on purpose: faults (a cut body, a missing chunk terminator, a stall
// after half a stream) need byte-level control that a response serializer hides.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::mock {

inline constexpr std::string_view json_type = "application/json";
inline constexpr std::string_view sse_type = "text/event-stream;charset=UTF-8";

// A response head. Without a content length the body is chunked. `extra_headers` are whole
// header lines, each ending in CRLF.
std::string response_head(int status, std::string_view content_type, std::string_view request_id,
                          std::optional<std::size_t> content_length, bool keep_alive,
                          std::string_view extra_headers = {});
// A complete response with a JSON (or other) body.
std::string full_response(int status, std::string_view body, std::string_view request_id,
                          bool keep_alive, std::string_view content_type = json_type,
                          std::string_view extra_headers = {});

void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// A random UUID-like id (8-4-4-4-12 hex digits), as DashScope's request_id.
std::string new_request_id();

}  // namespace qgate::mock
