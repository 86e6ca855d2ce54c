// What the curl driver reports about one upstream HTTP transfer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace qgate::upstream {

enum class transfer_failure {
  none,
  connect_failed,
  connect_timeout,
  first_byte_timeout,
  idle_timeout,
  total_timeout,
  network,
};

// The response head, reported once it is complete: its status and the headers qgate uses.
struct response_head {
  long http_status = 0;
  std::optional<std::int64_t> retry_after_s;  // the upstream's Retry-After, parsed, unbounded
};

struct transfer_outcome {
  long http_status = 0;
  transfer_failure failure = transfer_failure::none;
  std::string message;  // curl's description when failure != none
};

inline bool is_timeout(transfer_failure failure) noexcept {
  return failure == transfer_failure::connect_timeout ||
         failure == transfer_failure::first_byte_timeout ||
         failure == transfer_failure::idle_timeout || failure == transfer_failure::total_timeout;
}

}  // namespace qgate::upstream
