// Tenants and the usage ledger in the catalog database (used by the admin CLI and the actors).
#pragma once

#include "catalog/sqlite_db.hpp"
#include "messages/admin.hpp"
#include "messages/tenant.hpp"

#include <optional>
#include <string>
#include <vector>

namespace qgate::catalog {

struct tenant_record {
  tenant_info info;
  std::string key_hash;
  std::string created_at;
};

class tenant_store {
 public:
  explicit tenant_store(sqlite_db& db) : db_(db) {}

  // Returns the new tenant's key, shown once; only its hash is stored. A name taken: conflict.
  [[nodiscard]] result<std::string> add(const std::string& name, const tenant_limits& limits,
                                        const std::vector<std::string>& models);
  [[nodiscard]] result<std::vector<tenant_record>> list();
  [[nodiscard]] result<tenant_record> find(const std::string& name);
  [[nodiscard]] result<void> update(const std::string& name, const tenant_update& update);
  [[nodiscard]] result<void> set_enabled(const std::string& name, bool enabled);
  [[nodiscard]] result<void> set_limits(const std::string& name, const tenant_limits& limits);
  [[nodiscard]] result<std::string> rotate_key(const std::string& name);

  [[nodiscard]] result<void> record_usage(const std::vector<usage_record>& rows);
  // Per model per day for one tenant, days inclusive.
  [[nodiscard]] result<std::vector<usage_total>> usage_totals(const std::string& tenant,
                                                              const std::string& from_day,
                                                              const std::string& to_day);
  // Per tenant, day and model, days inclusive; `tenant` "" is every tenant.
  [[nodiscard]] result<std::vector<tenant_usage>> usage_report(const std::string& tenant,
                                                               const std::string& from_day,
                                                               const std::string& to_day);

 private:
  [[nodiscard]] result<void> expect_one_change(const std::string& name);
  sqlite_db& db_;
};

std::string join_models(const std::vector<std::string>& models);
std::vector<std::string> split_models(std::string_view text);

// The rules of messages/tenant_rules for a new tenant, as both stores check them.
[[nodiscard]] result<void> check_new_tenant(const std::string& name, const tenant_limits& limits,
                                            const std::vector<std::string>& models);

}  // namespace qgate::catalog
