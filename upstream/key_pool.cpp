#include "upstream/key_pool.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>

namespace qgate::upstream {
namespace {

// A key that keeps being refused with 429 waits at most this many doublings of the base.
constexpr int max_backoff_exponent = 16;

}  // namespace

failure_verdict judge_failure(const error& err) noexcept {
  switch (err.code) {
    case errc::upstream_unauthorized:
      return {key_outcome::rejected, true};  // another key may be good
    case errc::rate_limited:
      return {key_outcome::throttled, true};
    case errc::timeout:
      return {key_outcome::failed, true};
    case errc::upstream_error: {
      const long status = err.upstream_status;
      if (status == 403) return {key_outcome::rejected, true};
      // 0: no answer (connection refused or cut, unparsable): the upstream, not the request.
      if (status == 0 || status >= 500) return {key_outcome::failed, true};
      return {key_outcome::success, false};  // the upstream refused this request, not the key
    }
    default:
      return {key_outcome::success, false};
  }
}

std::string key_fingerprint(std::string_view secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned int i = 0; i < 6 && i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 0x0F];
  }
  return text;
}

key_pool::key_pool(std::vector<key_entry> keys, pool_policy policy, std::uint64_t seed)
    : policy_(policy), random_(seed) {
  keys_.reserve(keys.size());
  for (auto& entry : keys) {
    key_state key;
    // A server without keys has one empty key: nothing to fingerprint.
    key.fingerprint = entry.secret.empty() ? "none" : key_fingerprint(entry.secret);
    key.secret = std::move(entry.secret);
    key.weight = std::max(1, entry.weight);
    keys_.push_back(std::move(key));
  }
}

bool key_pool::usable(const key_state& key, clock::time_point now) const {
  return !key.rejected && now >= key.usable_from;
}

std::optional<std::size_t> key_pool::pick(clock::time_point now,
                                          std::span<const std::size_t> tried) {
  const std::lock_guard lock(mutex_);
  const auto was_tried = [&](std::size_t i) {
    return std::find(tried.begin(), tried.end(), i) != tried.end();
  };
  bool fresh = false;  // is any usable key untried?
  for (std::size_t i = 0; i < keys_.size(); ++i)
    fresh = fresh || (usable(keys_[i], now) && !was_tried(i));
  std::optional<std::size_t> best;
  std::int64_t total = 0;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    auto& key = keys_[i];
    if (!usable(key, now) || (fresh && was_tried(i))) continue;
    key.current += key.weight;
    total += key.weight;
    if (!best || key.current > keys_[*best].current) best = i;
  }
  if (!best) {
    const bool every_key_rejected =
        std::all_of(keys_.begin(), keys_.end(), [](const key_state& key) { return key.rejected; });
    if (keys_.empty() || !every_key_rejected || now < rejected_probe_at_) return std::nullopt;
    rejected_probe_at_ = now + policy_.breaker_open;
    const auto probe = std::find_if(keys_.begin(), keys_.end(), [&](const key_state& key) {
      return std::find(tried.begin(), tried.end(), &key - keys_.data()) == tried.end();
    });
    return static_cast<std::size_t>((probe == keys_.end() ? keys_.begin() : probe) - keys_.begin());
  }
  auto& chosen = keys_[*best];
  chosen.current -= total;
  // An open breaker past its wait lets one call through; the next waits for its report, or for
  // another wait when the probe is never reported (its client left).
  if (chosen.breaker_open) {
    chosen.probing = true;
    chosen.usable_from = now + policy_.breaker_open;
  }
  return best;
}

std::optional<key_pool::clock::time_point> key_pool::next_usable(clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  std::optional<clock::time_point> soonest;
  for (const auto& key : keys_) {
    if (key.rejected) continue;
    const auto at = std::max(now, key.usable_from);
    if (!soonest || at < *soonest) soonest = at;
  }
  return soonest;
}

void key_pool::report(std::size_t index, key_outcome outcome, clock::time_point now,
                      std::optional<std::chrono::seconds> retry_after) {
  const std::lock_guard lock(mutex_);
  auto& key = keys_.at(index);
  key.probing = false;
  switch (outcome) {
    case key_outcome::success:
      key.rejected = false;  // a probe of a rejected key came back
      ++key.successes;
      key.throttles = 0;
      key.failures_in_row = 0;
      if (key.breaker_open) key.usable_from = {};  // the probe came back: closed at once
      key.breaker_open = false;
      return;
    case key_outcome::throttled: {
      key.rejected = false;  // throttled, so known: a probe of a rejected key may end so
      ++key.failures;
      std::chrono::milliseconds wait{};
      if (retry_after && retry_after->count() > 0) {
        wait = *retry_after;
      } else {
        const int exponent = std::min(key.throttles, max_backoff_exponent);
        const auto backoff = policy_.cooldown_base * (std::int64_t{1} << exponent);
        // Full jitter on the upper half: spread keys cooling together, never below half the wait.
        std::uniform_int_distribution<std::int64_t> jitter(backoff.count() / 2, backoff.count());
        wait = std::chrono::milliseconds(jitter(random_));
      }
      ++key.throttles;
      key.usable_from = now + std::min(wait, policy_.cooldown_max);
      return;
    }
    case key_outcome::rejected:
      ++key.failures;
      key.rejected = true;
      return;
    case key_outcome::failed:
      ++key.failures;
      ++key.failures_in_row;
      if (key.breaker_open || key.failures_in_row >= policy_.breaker_failures) {
        key.breaker_open = true;
        key.usable_from = now + policy_.breaker_open;
      }
      return;
  }
}

bool key_pool::resting_for_failures(clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  const key_state* soonest = nullptr;
  for (const auto& key : keys_) {
    if (key.rejected) continue;
    if (soonest == nullptr ||
        std::max(now, key.usable_from) < std::max(now, soonest->usable_from)) {
      soonest = &key;
    }
  }
  return soonest != nullptr && soonest->breaker_open;
}

bool key_pool::all_rejected() const {
  const std::lock_guard lock(mutex_);
  return std::all_of(keys_.begin(), keys_.end(), [](const key_state& key) { return key.rejected; });
}

void key_pool::restore_rejected() {
  const std::lock_guard lock(mutex_);
  for (auto& key : keys_) key.rejected = false;
}

std::vector<key_status> key_pool::status(clock::time_point now) const {
  const std::lock_guard lock(mutex_);
  std::vector<key_status> out;
  out.reserve(keys_.size());
  for (const auto& key : keys_) {
    key_status s;
    s.fingerprint = key.fingerprint;
    s.weight = key.weight;
    s.successes = key.successes;
    s.failures = key.failures;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(key.usable_from - now);
    if (key.rejected) {
      s.state = "rejected";
    } else if (key.probing) {
      s.state = "probing";
    } else if (key.breaker_open) {
      s.state = "open";
      s.ms_left = std::max<std::int64_t>(0, left.count());
    } else if (now < key.usable_from) {
      s.state = "cooling";
      s.ms_left = left.count();
    } else {
      s.state = "healthy";
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace qgate::upstream
