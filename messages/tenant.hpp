// A tenant as the request path sees it: identity, allow-list and limits (never its key).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qgate {

struct tenant_limits {
  std::int64_t rpm = 0;          // requests per minute; 0: unlimited
  std::int64_t tpm = 0;          // tokens per minute; 0: unlimited
  std::int64_t max_streams = 0;  // concurrent streams; 0: unlimited
};

struct tenant_info {
  std::int64_t id = 0;
  std::string name;
  std::string key_prefix;
  bool enabled = true;
  std::vector<std::string> models;  // empty: every language model
  tenant_limits limits;

  bool allows(const std::string& model) const {
    if (models.empty()) return true;
    for (const auto& allowed : models) {
      if (allowed == model) return true;
    }
    return false;
  }
};

// The tenant of open mode (no tenant configured, loopback only): no limits, every model.
inline tenant_info anonymous_tenant() {
  tenant_info tenant;
  tenant.name = "anonymous";
  return tenant;
}

// One ledger row: what one chat request cost.
struct usage_record {
  std::string time;  // YYYY-MM-DDTHH:MM:SS (UTC)
  std::string tenant;
  std::string model;
  bool stream = false;
  int status = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
  std::int64_t latency_ms = 0;
  std::string request_id;
};

}  // namespace qgate

namespace qgate {

// Which limit refused a call (none: admitted, or not refused by a limit).
enum class refusal : std::uint8_t { none, rpm, tpm, streams, model };

// What a chat response tells its caller about its limits (X-RateLimit-*, Retry-After).
struct rate_limit_info {
  std::int64_t limit_requests = 0;  // 0: no such limit (headers omitted)
  std::int64_t remaining_requests = 0;
  std::int64_t limit_tokens = 0;
  std::int64_t remaining_tokens = 0;
  std::int64_t retry_after_s = 0;      // 0: no Retry-After
  refusal refused_by = refusal::none;  // for the operator's metrics, not sent to the caller
};

// Usage per model per day.
struct usage_total {
  std::string day;  // YYYY-MM-DD
  std::string model;
  std::int64_t requests = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t total_tokens = 0;
};

}  // namespace qgate
