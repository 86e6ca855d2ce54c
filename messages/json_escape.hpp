// JSON string escaping for everything qgate emits (responses, SSE frames, JSON logs).
#pragma once

#include <string>
#include <string_view>

namespace qgate {

// Appends `text` as a quoted JSON string. Invalid UTF-8 becomes U+FFFD so output always parses.
void append_json_string(std::string& out, std::string_view text);

std::string json_string(std::string_view text);

}  // namespace qgate
