// The Lua scripts of the shared limits: each admission, settlement, move and refresh is one
// atomic step on the Redis server, timed by the server's clock (redis.call('TIME'); Redis 7
// replicates effects, so TIME before writes is allowed). The arithmetic is rate_limits.cpp's.
//
// Keys: <prefix>t:<tenant>  hash  r, rt (request bucket level, ms) and k, kt (token bucket); a
//                                 missing bucket is full, so the hash expires once both are.
//       <prefix>s:<tenant>  zset  the tenant's stream slots, scored by their expiry (server ms)
//       <prefix>m:<model>   zset  the model's call slots, likewise
// A slot is counted until its score passes: its holder refreshes it every ttl/3.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace qgate::redis {

enum script_index : std::size_t { admit_script, release_script, move_script, refresh_script };

// In script_index order.
[[nodiscard]] std::vector<std::string> limit_scripts();

}  // namespace qgate::redis
