// Fault names, DashScope's error texts (copied from its error catalogue) and marker parsing.
#include "tools/mock_dashscope/mock_fault.hpp"

#include "tools/mock_dashscope/mock_options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace qgate::mock {
namespace {

constexpr std::array<std::pair<std::string_view, fault>, 11> fault_names = {{
    {"none", fault::none},
    {"auth", fault::auth},
    {"throttle", fault::throttle},
    {"internal", fault::internal},
    {"unavailable", fault::unavailable},
    {"inspect", fault::inspect},
    {"inspect-mid", fault::inspect_mid},
    {"stall-first", fault::stall_first},
    {"stall-mid", fault::stall_mid},
    {"drop-mid", fault::drop_mid},
    {"malformed", fault::malformed},
}};

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

std::optional<int> marker_number(std::string_view text, std::string_view name, int low, int high) {
  const auto value = marker_value(text, name);
  if (!value) return std::nullopt;
  int number = 0;
  const auto* end = value->data() + value->size();
  const auto parsed = std::from_chars(value->data(), end, number);
  if (parsed.ec != std::errc{} || parsed.ptr != end) return std::nullopt;
  return std::clamp(number, low, high);
}

}  // namespace

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
      return upstream_error{429, "Throttling.RateQuota",
                            "Requests rate limit exceeded, please try again later."};
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
      return std::nullopt;
  }
  return std::nullopt;
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
  return m;
}

}  // namespace qgate::mock
