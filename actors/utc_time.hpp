// The UTC timestamps the ledger files calls under: one clock reading, one format, for every actor.
#pragma once

#include <string>

namespace qgate::actors {

// Now (UTC) as YYYY-MM-DDTHH:MM:SS: a usage row's time. Formatted once per second per thread.
[[nodiscard]] std::string utc_now();

// Today (UTC) as YYYY-MM-DD: the day the ledger files a call ending now under.
[[nodiscard]] std::string utc_today();

}  // namespace qgate::actors
