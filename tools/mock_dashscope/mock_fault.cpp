// Fault names, DashScope's error texts (copied from its error catalogue) and marker parsing.
#include "tools/mock_dashscope/mock_fault.hpp"

#include "tools/mock_dashscope/mock_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace qgate::mock {
namespace {

constexpr std::array<std::pair<std::string_view, fault>, 19> fault_names = {{
    {"none", fault::none},
    {"auth", fault::auth},
    {"throttle", fault::throttle},
    {"throttle-retry", fault::throttle_retry},
    {"internal", fault::internal},
    {"unavailable", fault::unavailable},
    {"inspect", fault::inspect},
    {"inspect-mid", fault::inspect_mid},
    {"stall-first", fault::stall_first},
    {"stall-mid", fault::stall_mid},
    {"drop-mid", fault::drop_mid},
    {"malformed", fault::malformed},
    {"no-response", fault::stall_first},  // the same thing, by the failover catalogue's name
    {"no-end", fault::no_end},
    {"reset", fault::reset},
    {"context-length", fault::context_length},
    {"reflect", fault::reflect},
    {"reflect-code", fault::reflect_code},
    {"html", fault::html},
}};

// Longest marker text kept (Retry-After values, flaky/flap keys); a Retry-After value becomes a
// header line of the mock's own answer.
constexpr std::size_t max_marker_text = 64;

// The text between `[[<name>:` and the next `]]`, if the marker is present.
std::optional<std::string_view> marker_value(std::string_view text, std::string_view name) {
  std::string open = "[[";
  open += name;
  open += ':';
  const auto at = text.find(open);
  if (at == std::string_view::npos) return std::nullopt;
  const auto rest = text.substr(at + open.size());
  const auto end = rest.find("]]");
  if (end == std::string_view::npos) return std::nullopt;
  return rest.substr(0, end);
}

// A marker's text, if it is printable ASCII (it may end up in a header) and not too long.
std::optional<std::string> marker_text(std::string_view text, std::string_view name) {
  const auto value = marker_value(text, name);
  if (!value || value->empty() || value->size() > max_marker_text) return std::nullopt;
  for (const char c : *value) {
    if (c < 0x20 || c > 0x7E) return std::nullopt;
  }
  return std::string(*value);
}

std::optional<int> marker_number(std::string_view text, std::string_view name, int low, int high) {
  const auto value = marker_value(text, name);
  if (!value) return std::nullopt;
  int number = 0;
  const auto* end = value->data() + value->size();
  const auto parsed = std::from_chars(value->data(), end, number);
  if (parsed.ec != std::errc{} || parsed.ptr != end) return std::nullopt;
  return std::clamp(number, low, high);
}

std::optional<std::int64_t> whole_number(std::string_view text, std::int64_t high) {
  std::int64_t number = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, number);
  if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != end || number < 0) {
    return std::nullopt;
  }
  return std::min(number, high);
}

// KEY:N, or KEY:N:STATUS with `with_status`; fields are split from the right, so a key may hold
// a colon.
std::optional<first_failures> first_marker(std::string_view text, std::string_view name,
                                           bool with_status) {
  const auto value = marker_text(text, name);
  if (!value) return std::nullopt;
  std::string_view rest = *value;
  first_failures f;
  if (with_status) {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto status = whole_number(rest.substr(colon + 1), 999);
    if (!status || !status_error(static_cast<int>(*status))) return std::nullopt;
    f.status = static_cast<int>(*status);
    rest = rest.substr(0, colon);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const auto count = whole_number(rest.substr(colon + 1), std::numeric_limits<int>::max());
  if (!count) return std::nullopt;
  f.count = *count;
  f.key = rest.substr(0, colon);
  return f;
}

}  // namespace

std::optional<upstream_error> status_error(int status) {
  switch (status) {
    case 500:
      return error_of(fault::internal);
    case 502:
      return upstream_error{502, "ModelServiceFailed", "Failed to request model service."};
    case 503:
      return error_of(fault::unavailable);
    case 504:
      return upstream_error{504, "RequestTimeOut", "Request timed out, please try again later."};
    default:
      return std::nullopt;
  }
}

std::optional<fault> fault_from_name(std::string_view name) {
  for (const auto& [text, value] : fault_names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

upstream_error invalid_parameter(std::string message) {
  return {400, "InvalidParameter", std::move(message)};
}

std::optional<upstream_error> error_of(fault f) {
  switch (f) {
    case fault::auth:
      return upstream_error{401, "InvalidApiKey", "Invalid API-key provided."};
    case fault::throttle:
    case fault::throttle_retry:
      return upstream_error{429, "Throttling.RateQuota",
                            "Requests rate limit exceeded, please try again later."};
    case fault::context_length:
      return invalid_parameter("Range of input length should be [1, 129024]");
    case fault::internal:
      return upstream_error{
          500, "InternalError",
          "An internal error has occured, please try again later or contact service support."};
    case fault::unavailable:
      return upstream_error{503, "ModelUnavailable",
                            "Model is unavailable, please try again later."};
    case fault::inspect:
      return upstream_error{400, "DataInspectionFailed",
                            "Input data may contain inappropriate content."};
    case fault::inspect_mid:
      return upstream_error{400, "DataInspectionFailed",
                            "Output data may contain inappropriate content."};
    case fault::none:
    case fault::stall_first:
    case fault::stall_mid:
    case fault::drop_mid:
    case fault::malformed:
    case fault::no_end:
    case fault::reset:
    case fault::reflect:
    case fault::reflect_code:
    case fault::html:
      return std::nullopt;
  }
  return std::nullopt;
}

upstream_error reflected_error(fault f, std::string_view headers) {
  std::string message = "Request headers as received:\n";
  message += headers;
  if (f != fault::reflect_code) return {500, "InternalError", std::move(message)};
  // A code that tries everything: a forged log line, a line separator, C1, a bidi override, the
  // caller's credentials, and far more than any real code's length.
  std::string code = "InvalidParameter\n[2026-01-01 00:00:00.000] [error] forged by upstream";
  code += "\xE2\x80\xA8\xC2\x85\xE2\x80\xAE";
  const auto at = headers.find("Authorization: ");
  if (at != std::string_view::npos) {
    const auto value = headers.substr(at + 15);
    code += value.substr(0, value.find('\n'));
  }
  code += std::string(300, 'X');
  return {400, std::move(code), std::move(message)};
}

std::string_view html_page() {
  return "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
         "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
         "</body>\r\n</html>\r\n";
}

markers read_markers(std::string_view text) {
  markers m;
  // A cheap test first: almost every request has no marker at all.
  if (text.find("[[") == std::string_view::npos) return m;
  m.chunks = marker_number(text, "chunks", 1, max_chunks);
  m.interval_ms = marker_number(text, "interval", 0, max_delay_ms);
  m.first_byte_ms = marker_number(text, "first-byte", 0, max_delay_ms);
  if (const auto name = marker_value(text, "fault")) {
    m.scripted = fault_from_name(*name).value_or(fault::none);
  }
  m.retry_after = marker_text(text, "retry-after");
  m.flaky_key = marker_text(text, "flaky");
  m.flap_key = marker_text(text, "flap");
  m.cached_tokens = marker_number(text, "cached", 0, std::numeric_limits<int>::max());
  m.fail_first = first_marker(text, "fail-first", false);
  m.status_first = first_marker(text, "status-first", true);
  return m;
}

}  // namespace qgate::mock
