// The admin API's vocabulary: what an operator asks of the gateway (tenants, their keys, limits
// and usage) and what comes back. http/ parses requests into these and renders the answers;
// actors/ carries them out over the catalog store; the CLI shares tenant_update with both.
#pragma once

#include "messages/error.hpp"
#include "messages/tenant.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qgate {

// What changes in a tenant; an absent field stays as it is. Creating a tenant starts from the
// defaults (no limits, every model) and applies the fields given.
struct tenant_update {
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> tpm;
  std::optional<std::int64_t> max_streams;
  std::optional<std::vector<std::string>> models;  // empty: every language model
  std::optional<bool> enabled;

  [[nodiscard]] bool empty() const noexcept {
    return !rpm && !tpm && !max_streams && !models && !enabled;
  }
  [[nodiscard]] tenant_limits over(tenant_limits base) const noexcept {
    if (rpm) base.rpm = *rpm;
    if (tpm) base.tpm = *tpm;
    if (max_streams) base.max_streams = *max_streams;
    return base;
  }

  // The update that sets all three limits, or only `enabled`.
  [[nodiscard]] static tenant_update of_limits(const tenant_limits& limits) {
    tenant_update fields;
    fields.rpm = limits.rpm;
    fields.tpm = limits.tpm;
    fields.max_streams = limits.max_streams;
    return fields;
  }
  [[nodiscard]] static tenant_update of_enabled(bool enabled) {
    tenant_update fields;
    fields.enabled = enabled;
    return fields;
  }
};

// One tenant's usage of one model on one day, as billing reads it.
struct tenant_usage {
  std::string tenant;
  usage_total usage;
};

enum class admin_operation {
  list_tenants,   // GET /admin/tenants
  create_tenant,  // POST /admin/tenants
  get_tenant,     // GET /admin/tenants/{name}
  update_tenant,  // PATCH /admin/tenants/{name}
  rotate_key,     // POST /admin/tenants/{name}/rotate-key
  usage,          // GET /admin/usage
};

struct admin_request {
  admin_operation operation = admin_operation::list_tenants;
  std::string api_key;   // the caller's bearer token: checked before anything else is looked at
  std::string name;      // the tenant; for usage, the one asked for ("": every tenant)
  tenant_update fields;  // create: its limits and models; update: what changes
  std::string from_day;  // usage, YYYY-MM-DD, inclusive
  std::string to_day;
  // Refused by the parser (400): answered so only once the caller proved to be the operator, so
  // that nobody else learns anything from the admin API, not even how it validates.
  std::optional<error> invalid;
};

// A tenant as the admin API shows it: never its key hash, its key only once (create, rotate).
struct admin_tenant {
  tenant_info info;
  std::string created_at;
  usage_total today;  // its usage today (UTC) over every model; `day` is today
};

struct admin_reply {
  admin_operation operation = admin_operation::list_tenants;
  std::vector<admin_tenant> tenants;  // list: every tenant; one-tenant operations: that one
  std::string key;                    // create and rotate: the new key, shown this once
  std::vector<tenant_usage> usage;    // usage: per tenant, day and model
};

}  // namespace qgate
