// The API keys one mock process knows: which are accepted or revoked, each key's quota, and how
// many generation requests each presented key made. Thread-safe; time comes in as an argument.
#pragma once

#include "tools/mock_dashscope/mock_options.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace qgate::mock {

enum class key_verdict { accepted, unknown, revoked, over_quota };

struct admission {
  key_verdict verdict = key_verdict::unknown;
  std::int64_t retry_after_s = 0;  // over_quota: seconds until a slot frees, at least 1
};

// What a test compares with its own keys in GET /mock/stats: the last four characters.
std::string key_fingerprint(std::string_view key);

// The Bearer token of an Authorization value; empty when there is none.
std::string_view bearer_key(std::string_view authorization);

class mock_keys {
 public:
  explicit mock_keys(const options& o);

  // Counts the request for `key` (unless empty), then decides: revoked and unknown keys are
  // refused; an accepted key within its quota takes a slot of the window ending at `now_ms`.
  admission admit(std::string_view key, std::int64_t now_ms);
  // Revoked keys are refused until restored; a restored key is accepted, known before or not.
  void revoke(std::string_view key);
  void restore(std::string_view key);
  // {"<fingerprint>":n,...}
  std::string counts_json() const;

 private:
  struct quota {
    std::int64_t limit = 0;
    std::deque<std::int64_t> answered_ms;  // inside the window, oldest first
  };

  const std::int64_t window_ms_;
  mutable std::mutex mutex_;
  std::unordered_set<std::string> accepted_;
  std::unordered_set<std::string> revoked_;
  std::unordered_map<std::string, quota> quotas_;
  std::map<std::string, std::int64_t> counts_;  // by fingerprint, sorted for stable output
};

}  // namespace qgate::mock
