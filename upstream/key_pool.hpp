// The upstream credentials of one provider and what qgate has learnt of each: a weighted choice
// over the usable ones (smooth weighted round robin, as nginx spreads upstreams), a cooldown after
// a 429 (the upstream's hint, else exponential backoff with jitter), out until reload after a
// 401/403, and a circuit breaker after repeated failures that lets one probe through once open.
// One pool serves every io thread (a mutex; no I/O under it); time is passed in, so every rule is
// tested without sleeping. Secrets never leave it except to build a call; reports use fingerprints.
#pragma once

#include "messages/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::upstream {

struct key_entry {
  std::string secret;
  int weight = 1;
};

// How a call went, as far as the key's health is concerned.
enum class key_outcome {
  success,    // answered (also a 400: the key works, the request was at fault)
  throttled,  // 429: cool down
  rejected,   // 401/403: out until reload
  failed,     // 5xx, connection failure, first-byte timeout: counts towards the breaker
};

struct pool_policy {
  std::chrono::milliseconds cooldown_base{1000};  // first cooldown after a 429 without a hint
  std::chrono::milliseconds cooldown_max{60000};
  int breaker_failures = 5;                       // consecutive failures that open the breaker
  std::chrono::milliseconds breaker_open{10000};  // how long an open breaker waits for a probe
};

// What /healthz shows of a key (never the key).
struct key_status {
  std::string fingerprint;
  int weight = 1;
  std::string_view state;    // healthy | cooling | rejected | open | probing
  std::int64_t ms_left = 0;  // until a cooling or open key is tried again
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
};

// What a failed call says about its key, and whether another attempt may succeed: throttling,
// a refused key, 5xx, connection failures and timeouts may; a request DashScope refused (4xx) or
// anything qgate itself decided may not. Whether nothing reached the client yet is the caller's.
struct failure_verdict {
  key_outcome key = key_outcome::success;
  bool retry = false;
};
[[nodiscard]] failure_verdict judge_failure(const error& err) noexcept;

// "sha256:" and the first 12 hex digits of the key's SHA-256: enough to tell keys apart in logs.
std::string key_fingerprint(std::string_view secret);

class key_pool {
 public:
  using clock = std::chrono::steady_clock;

  key_pool(std::vector<key_entry> keys, pool_policy policy, std::uint64_t seed = 0x9e3779b9);

  std::size_t size() const noexcept { return keys_.size(); }
  // Immutable after construction: safe to read without the lock.
  const std::string& secret(std::size_t key) const { return keys_[key].secret; }
  const std::string& fingerprint(std::size_t key) const { return keys_[key].fingerprint; }

  // A usable key by weight, one not in `tried` when there is such a key; nullopt when no key is
  // usable now. An open breaker past its wait hands out its one probe; when every key has been
  // rejected, one of them is probed once per breaker wait (a rejection may have been the
  // upstream's hiccup, not the key's).
  [[nodiscard]] std::optional<std::size_t> pick(clock::time_point now,
                                                std::span<const std::size_t> tried = {});
  // When some key becomes usable again, for a retry's wait; nullopt when none ever will (every
  // key rejected). `now` when one is usable already.
  [[nodiscard]] std::optional<clock::time_point> next_usable(clock::time_point now) const;
  void report(std::size_t key, key_outcome outcome, clock::time_point now,
              std::optional<std::chrono::seconds> retry_after = std::nullopt);
  // Why the soonest key to be usable again rests: true when its breaker is open (the upstream
  // keeps failing), false when it cools down after throttling.
  [[nodiscard]] bool resting_for_failures(clock::time_point now) const;
  // True when every key has been rejected: the operator's credentials are all bad.
  [[nodiscard]] bool all_rejected() const;
  // SIGHUP: rejected keys are tried again (the operator may have fixed the account).
  void restore_rejected();
  [[nodiscard]] std::vector<key_status> status(clock::time_point now) const;

 private:
  struct key_state {
    std::string secret;
    std::string fingerprint;
    int weight = 1;
    std::int64_t current = 0;  // smooth weighted round robin
    bool rejected = false;
    clock::time_point usable_from{};  // cooldown or open breaker
    int throttles = 0;                // consecutive 429s: the backoff's exponent
    int failures_in_row = 0;
    bool breaker_open = false;
    bool probing = false;  // the open breaker's one probe is out
    std::uint64_t successes = 0;
    std::uint64_t failures = 0;
  };

  bool usable(const key_state& key, clock::time_point now) const;

  std::vector<key_state> keys_;
  pool_policy policy_;
  clock::time_point rejected_probe_at_{};  // when every key is rejected: the next probe
  mutable std::mutex mutex_;
  std::mt19937_64 random_;  // the cooldown's jitter
};

}  // namespace qgate::upstream
