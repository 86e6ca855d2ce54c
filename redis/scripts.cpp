#include "redis/scripts.hpp"

namespace qgate::redis {
namespace {

// Shared by every script: the server's time in ms, a bucket's level now, and a TTL that only
// ever grows (several instances write the same key).
constexpr const char* prelude = R"lua(
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local function level(value, at, per_minute)
  if not value then return per_minute end
  local elapsed = math.max(0, now - tonumber(at))
  return math.min(per_minute, tonumber(value) + elapsed * per_minute / 60000)
end
local function keep(key, ms)
  local left = redis.call('PTTL', key)
  if left ~= -2 and left < ms then redis.call('PEXPIRE', key, ms) end
end
local function until_full(value, per_minute)
  return math.ceil((per_minute - value) * 60000 / per_minute) + 1000
end
)lua";

// KEYS: tenant hash, tenant streams, model calls. ARGV: rpm, tpm, max_streams, model_cap,
// stream (0/1), estimated tokens, slot, slot ttl ms.
// Returns {admitted, remaining requests, remaining tokens, retry after s, refused by (0 none,
// 1 rpm, 2 tpm, 3 streams, 4 model: qgate::refusal)}. Checks in the order of rate_limits::admit;
// a refusal changes no bucket and takes no slot.
constexpr const char* admit = R"lua(
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local max_streams, model_cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local stream, estimated = ARGV[5] == '1', tonumber(ARGV[6])
local slot, ttl = ARGV[7], tonumber(ARGV[8])
local held = redis.call('HMGET', KEYS[1], 'r', 'rt', 'k', 'kt')
local requests = rpm > 0 and level(held[1], held[2], rpm) or 0
local tokens = tpm > 0 and level(held[3], held[4], tpm) or 0
local function wait(missing, per_minute)
  return math.max(1, math.ceil(missing * 60 / per_minute))
end
local function full(key, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  return redis.call('ZCARD', key) >= cap
end
local retry, refused = 0, 0
if rpm > 0 and requests < 1 then
  retry, refused = wait(1 - requests, rpm), 1
elseif tpm > 0 and tokens < math.min(estimated, tpm) then
  retry, refused = wait(math.min(estimated, tpm) - tokens, tpm), 2
elseif stream and max_streams > 0 and full(KEYS[2], max_streams) then
  retry, refused = 1, 3
elseif model_cap > 0 and full(KEYS[3], model_cap) then
  retry, refused = 1, 4
else
  if rpm > 0 then
    requests = requests - 1
    redis.call('HSET', KEYS[1], 'r', requests, 'rt', now)
    keep(KEYS[1], until_full(requests, rpm))
  end
  if tpm > 0 then
    tokens = tokens - estimated
    redis.call('HSET', KEYS[1], 'k', tokens, 'kt', now)
    keep(KEYS[1], until_full(tokens, tpm))
  end
  if stream and max_streams > 0 then
    redis.call('ZADD', KEYS[2], now + ttl, slot)
    keep(KEYS[2], ttl)
  end
  if model_cap > 0 then
    redis.call('ZADD', KEYS[3], now + ttl, slot)
    keep(KEYS[3], ttl)
  end
end
return {retry == 0 and 1 or 0, math.max(0, math.floor(requests)), math.max(0, math.floor(tokens)),
        retry, refused}
)lua";

// KEYS: tenant hash, tenant streams, model calls. ARGV: slot, tpm, estimated - used.
// Frees the slot and gives back what was reserved but not used (or charges the overrun).
constexpr const char* release = R"lua(
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local tpm, refund = tonumber(ARGV[2]), tonumber(ARGV[3])
if tpm > 0 and refund ~= 0 then
  local held = redis.call('HMGET', KEYS[1], 'k', 'kt')
  local tokens = math.min(tpm, level(held[1], held[2], tpm) + refund)
  redis.call('HSET', KEYS[1], 'k', tokens, 'kt', now)
  keep(KEYS[1], until_full(tokens, tpm))
end
return 1
)lua";

// KEYS: from model, to model. ARGV: slot, model cap, slot ttl ms. Returns 1 if moved, 0 if `to`
// is at its cap (nothing moves).
constexpr const char* move = R"lua(
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
keep(KEYS[2], tonumber(ARGV[3]))
return 1
)lua";

// KEYS: one slot set per held slot. ARGV: slot ttl ms, then the slot of each key. Pushes each
// expiry to now + ttl, and puts back a slot that expired while its holder could not reach Redis:
// its call still runs, so it counts.
constexpr const char* refresh = R"lua(
local ttl = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + ttl, ARGV[i + 1])
  keep(key, ttl)
end
return #KEYS
)lua";

}  // namespace

std::vector<std::string> limit_scripts() {
  std::vector<std::string> scripts;
  for (const char* body : {admit, release, move, refresh})
    scripts.push_back(prelude + std::string(body));
  return scripts;
}

}  // namespace qgate::redis
