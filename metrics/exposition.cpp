// The text format's escaping and number spelling.
#include "metrics/exposition.hpp"

#include "messages/utf8.hpp"

#include <charconv>
#include <cmath>

namespace qgate::metrics {
namespace {

bool is_name_char(char c, bool colon_allowed, bool digit_allowed) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon_allowed;
  return digit_allowed && c >= '0' && c <= '9';
}

template <class Number>
void append_integer(std::string& out, Number value) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out.append(buffer, end);
}

}  // namespace

bool is_metric_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], true, i > 0)) return false;
  }
  return true;
}

bool is_label_name(std::string_view name) noexcept {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_name_char(name[i], false, i > 0)) return false;
  }
  return true;
}

void append_label_value(std::string& out, std::string_view value) {
  std::size_t i = 0;
  while (i < value.size()) {
    const char c = value[i];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      const std::size_t length = utf8_sequence_length(value, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD for the one byte that starts no valid sequence
        ++i;
        continue;
      }
      out.append(value.substr(i, length));
      i += length;
      continue;
    }
    ++i;
  }
}

void append_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];  // the shortest round-trip form of a double takes at most 24
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    out.append(buffer, end);
  }
}

void append_number(std::string& out, std::uint64_t value) { append_integer(out, value); }
void append_number(std::string& out, std::int64_t value) { append_integer(out, value); }

}  // namespace qgate::metrics
