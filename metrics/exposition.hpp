// The lexical rules of Prometheus' text exposition format (version 0.0.4): names, escaping and
// numbers. Pure: strings in, strings out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qgate::metrics {

// The Content-Type of a GET /metrics answer.
inline constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

// [a-zA-Z_:][a-zA-Z0-9_:]*
[[nodiscard]] bool is_metric_name(std::string_view name) noexcept;
// [a-zA-Z_][a-zA-Z0-9_]*, without the "__" prefix Prometheus reserves.
[[nodiscard]] bool is_label_name(std::string_view name) noexcept;

// Appends `value` as the text between a label's quotes: backslash, double quote and line feed
// escaped; bytes that are not valid UTF-8 become U+FFFD (the parser rejects invalid UTF-8).
void append_label_value(std::string& out, std::string_view value);
// Appends a HELP text: backslash and line feed escaped.
void append_help(std::string& out, std::string_view help);

// Shortest text that reads back as the same double; NaN, +Inf and -Inf as the format spells them.
void append_number(std::string& out, double value);
void append_number(std::string& out, std::uint64_t value);
void append_number(std::string& out, std::int64_t value);

}  // namespace qgate::metrics
