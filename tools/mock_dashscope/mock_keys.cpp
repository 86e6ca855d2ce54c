// Key revocation, rolling-window quotas and per-key request counts behind one mutex.
#include "tools/mock_dashscope/mock_keys.hpp"

#include "messages/json_escape.hpp"

#include <algorithm>

namespace qgate::mock {
namespace {

// Fingerprints of keys that clients invent; a run that invents endless keys starts afresh.
constexpr std::size_t max_counted_keys = 10000;

}  // namespace

std::string key_fingerprint(std::string_view key) {
  constexpr std::size_t shown = 4;
  return std::string(key.substr(key.size() > shown ? key.size() - shown : 0));
}

std::string_view bearer_key(std::string_view authorization) {
  constexpr std::string_view bearer = "Bearer ";
  if (!authorization.starts_with(bearer)) return {};
  return authorization.substr(bearer.size());
}

mock_keys::mock_keys(const options& o) : window_ms_(o.quota_window_ms) {
  accepted_.insert(o.api_keys.begin(), o.api_keys.end());
  accepted_.insert(o.revoked_keys.begin(), o.revoked_keys.end());
  revoked_.insert(o.revoked_keys.begin(), o.revoked_keys.end());
  for (const auto& [key, limit] : o.key_quotas) quotas_[key].limit = limit;
}

admission mock_keys::admit(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (key.empty()) return {key_verdict::unknown};
  const std::string owned(key);
  const std::string fingerprint = key_fingerprint(key);
  if (counts_.size() >= max_counted_keys && counts_.count(fingerprint) == 0) counts_.clear();
  ++counts_[fingerprint];
  if (revoked_.count(owned) != 0) return {key_verdict::revoked};
  if (accepted_.count(owned) == 0) return {key_verdict::unknown};
  const auto found = quotas_.find(owned);
  if (found == quotas_.end()) return {key_verdict::accepted};
  auto& q = found->second;
  while (!q.answered_ms.empty() && q.answered_ms.front() + window_ms_ <= now_ms) {
    q.answered_ms.pop_front();
  }
  if (static_cast<std::int64_t>(q.answered_ms.size()) < q.limit) {
    q.answered_ms.push_back(now_ms);
    return {key_verdict::accepted};
  }
  // A quota of 0 has no slot to wait for: a whole window.
  const std::int64_t frees_ms =
      q.answered_ms.empty() ? window_ms_ : q.answered_ms.front() + window_ms_ - now_ms;
  return {key_verdict::over_quota, std::max<std::int64_t>(1, (frees_ms + 999) / 1000)};
}

void mock_keys::revoke(std::string_view key) {
  std::lock_guard lock(mutex_);
  revoked_.emplace(key);
}

void mock_keys::restore(std::string_view key) {
  std::lock_guard lock(mutex_);
  revoked_.erase(std::string(key));
  accepted_.emplace(key);
}

std::string mock_keys::counts_json() const {
  std::lock_guard lock(mutex_);
  std::string json = "{";
  for (const auto& [fingerprint, count] : counts_) {
    if (json.size() > 1) json += ',';
    append_json_string(json, fingerprint);
    json += ':';
    json += std::to_string(count);
  }
  json += '}';
  return json;
}

}  // namespace qgate::mock
