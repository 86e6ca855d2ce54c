#include "actors/utc_time.hpp"

#include <ctime>

namespace qgate::actors {

std::string utc_now() {
  // Every call in a busy second gets the same text: keep it rather than format it again.
  thread_local std::time_t formatted_at = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_at) {
    std::tm parts{};
    gmtime_r(&now, &parts);
    char buffer[32];
    text.assign(buffer, std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &parts));
    formatted_at = now;
  }
  return text;
}

std::string utc_today() { return utc_now().substr(0, 10); }

}  // namespace qgate::actors
