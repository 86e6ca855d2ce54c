// Hand-written on purpose: Debian's simdjson 3.0 parses but does not serialize, and the SSE hot
// path appends escaped text straight into the frame buffer, which a DOM-building writer would not
// allow. Correctness is checked in tests/unit/json_escape_test.cpp by parsing the output with
// simdjson.
#include "messages/json_escape.hpp"

#include "messages/utf8.hpp"

#include <array>
#include <cstdint>

namespace qgate {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

void append_control_escape(std::string& out, unsigned char c) {
  static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  switch (c) {
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0x0F];
  }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t plain_start = 0;
  std::size_t i = 0;
  const auto flush_plain = [&] { out.append(text.substr(plain_start, i - plain_start)); };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length != 0) {
        i += length;
        continue;
      }
      flush_plain();
      out += replacement_character;
    } else {
      flush_plain();
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else {
        append_control_escape(out, c);
      }
    }
    ++i;
    plain_start = i;
  }
  flush_plain();
  out += '"';
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace qgate
