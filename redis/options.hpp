// What a Redis-backed limiter needs to know: where Redis is, how long a call may wait on it, and
// how long a dead instance's slots survive it. The lead maps limits.redis_* config keys onto it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace qgate::redis {

struct options {
  // redis://[:password@|user:password@]host:port[/db]; never logged with its password.
  std::string url;
  // No call waits on Redis longer; past it the connection is torn down, reconnected, and the
  // caller falls back to this instance's own limits.
  std::chrono::milliseconds timeout{50};
  // A stream or call slot expires this long after its holder last refreshed it (every ttl/3).
  std::chrono::milliseconds slot_ttl{30'000};
  // Connecting, AUTH, SELECT and SCRIPT LOAD together; no call waits on it (they fall back).
  std::chrono::milliseconds connect_timeout{1'000};
  // Names this process's slots in Redis; empty: hostname-pid-random.
  std::string instance_id;
  // Concurrent calls per model across the fleet (limits.model_max_concurrency); 0: no cap.
  std::int64_t model_max_concurrency = 0;
  // Every key qgate writes starts with it (several fleets may share one Redis).
  std::string key_prefix = "qgate:";
};

}  // namespace qgate::redis
