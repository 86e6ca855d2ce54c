// The upstream's Retry-After (RFC 9110 §10.2.3) and the bounded value qgate passes on to clients.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace qgate::upstream {

// Told to a throttled client when the upstream says nothing usable (DashScope sends no
// Retry-After; its throttling usually clears within seconds).
inline constexpr std::int64_t default_retry_after_s = 1;
// The longest wait passed on: DashScope's limits are per minute, so an hour already means a
// confused or hostile upstream, and a client should not be parked for longer on its word.
inline constexpr std::int64_t max_retry_after_s = 3600;

// Seconds to wait, from delta-seconds ("7") or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT",
// counted from `now`; a date in the past is 0). Surrounding blanks are allowed; anything else
// (a sign, a fraction, the obsolete date formats, garbage) is nullopt. Huge values saturate.
[[nodiscard]] std::optional<std::int64_t> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// What a throttled client is told: the upstream's wait within [1, max_retry_after_s], or the
// default when there is none.
[[nodiscard]] std::int64_t client_retry_after(std::optional<std::int64_t> upstream_seconds);

}  // namespace qgate::upstream
