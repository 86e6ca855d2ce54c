// Admission arithmetic of the rate limiter (pure; the actor owns one and feeds it the time):
// per-tenant token buckets for requests and tokens per minute, a per-tenant cap on concurrent
// streams, and a per-model cap on concurrent calls that protects the shared upstream quota.
#pragma once

#include "messages/tenant.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace qgate::actors {

struct admission {
  bool admitted = false;
  rate_limit_info info;
};

class rate_limits {
 public:
  using clock = std::chrono::steady_clock;

  explicit rate_limits(std::int64_t model_max_concurrency = 0)
      : model_cap_(model_max_concurrency) {}

  admission admit(const tenant_info& tenant, const std::string& model, bool stream,
                  std::int64_t estimated_tokens, clock::time_point now);
  // The call ended: frees its slots and settles the token estimate against what was really used.
  void release(const std::string& tenant, const std::string& model, bool stream,
               std::int64_t estimated_tokens, std::int64_t used_tokens, clock::time_point now);

  // A fallback model serves an admitted call: its slot under the per-model cap moves from `from`
  // to `to`; false (nothing moves) when `to` is at its cap.
  [[nodiscard]] bool move_call(const std::string& from, const std::string& to);

  std::int64_t active_calls(const std::string& model) const;

 private:
  struct bucket {
    double level = -1;  // < 0: not started (starts full)
    clock::time_point updated;
    void refill(std::int64_t per_minute, clock::time_point now);
  };
  struct tenant_state {
    bucket requests;
    bucket tokens;
    std::int64_t tpm = 0;
    std::int64_t streams = 0;
  };

  std::unordered_map<std::string, tenant_state> tenants_;
  std::unordered_map<std::string, std::int64_t> model_calls_;
  std::int64_t model_cap_;
};

// A cautious guess of a call's tokens before it runs: the prompt (about 3 bytes a token) plus the
// answer's ceiling.
std::int64_t estimate_tokens(std::size_t prompt_bytes, std::int64_t max_tokens);

}  // namespace qgate::actors
