#include "upstream/retry_after.hpp"

#include <algorithm>
#include <array>
#include <ctime>

namespace qgate::upstream {
namespace {

// Beyond this a number is only "very long"; saturating keeps the arithmetic from overflowing.
constexpr std::int64_t saturation_s = std::int64_t{1} << 40;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::optional<std::int64_t> digits_value(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = std::min(value * 10 + (c - '0'), saturation_s);
  }
  return value;
}

// A fixed-width decimal field of an IMF-fixdate.
std::optional<int> field(std::string_view date, std::size_t at, std::size_t width) {
  const auto value = digits_value(date.substr(at, width));
  if (!value || date.substr(at, width).size() != width) return std::nullopt;
  return static_cast<int>(*value);
}

// "Sun, 06 Nov 1994 08:49:37 GMT" as seconds since the epoch.
std::optional<std::int64_t> imf_fixdate(std::string_view date) {
  static constexpr std::array<std::string_view, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                           "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (date.size() != 29 || date.substr(3, 2) != ", " || date[7] != ' ' || date[11] != ' ' ||
      date[16] != ' ' || date[19] != ':' || date[22] != ':' || date.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(days.begin(), days.end(), date.substr(0, 3)) == days.end()) return std::nullopt;
  const auto month = std::find(months.begin(), months.end(), date.substr(8, 3));
  const auto day = field(date, 5, 2);
  const auto year = field(date, 12, 4);
  const auto hour = field(date, 17, 2);
  const auto minute = field(date, 20, 2);
  const auto second = field(date, 23, 2);
  if (month == months.end() || !day || !year || !hour || !minute || !second || *day < 1 ||
      *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  std::tm parts{};
  parts.tm_year = *year - 1900;
  parts.tm_mon = static_cast<int>(month - months.begin());
  parts.tm_mday = *day;
  parts.tm_hour = *hour;
  parts.tm_min = *minute;
  parts.tm_sec = *second;
  return static_cast<std::int64_t>(timegm(&parts));
}

}  // namespace

std::optional<std::int64_t> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (auto seconds = digits_value(value)) return seconds;
  const auto date = imf_fixdate(value);
  if (!date) return std::nullopt;
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return std::clamp<std::int64_t>(*date - now_s, 0, saturation_s);
}

std::int64_t client_retry_after(std::optional<std::int64_t> upstream_seconds) {
  if (!upstream_seconds) return default_retry_after_s;
  return std::clamp(*upstream_seconds, default_retry_after_s, max_retry_after_s);
}

}  // namespace qgate::upstream
