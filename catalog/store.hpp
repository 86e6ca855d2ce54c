// The catalog's stores behind one interface: models, tenants and the usage ledger, in SQLite (one
// machine, the default) or PostgreSQL (a fleet). Each user owns its own store (a connection): the
// catalog loader, the ledger writer, the admin API's actor, the tenant CLI. Every call blocks;
// none is on the request path. Tenant changes are checked by messages/tenant_rules
// (invalid_params), a name taken is errc::conflict and an unknown one errc::not_found, in both
// engines.
#pragma once

#include "catalog/tenant_store.hpp"
#include "messages/admin.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"
#include "messages/tenant.hpp"

#include <memory>
#include <string>
#include <vector>

namespace qgate::catalog {

struct store_options {
  std::string sqlite_path;   // used when postgres_url is empty
  std::string postgres_url;  // libpq URI; empty: SQLite
  std::string seed_path;     // models seeded from it when the models table is empty; "": none
};

class store {
 public:
  virtual ~store() = default;

  [[nodiscard]] virtual result<std::vector<model_info>> list_models() = 0;

  // Returns the new tenant's key, shown once; only its hash is stored.
  [[nodiscard]] virtual result<std::string> add_tenant(const std::string& name,
                                                       const tenant_limits& limits,
                                                       const std::vector<std::string>& models) = 0;
  [[nodiscard]] virtual result<std::vector<tenant_record>> list_tenants() = 0;
  [[nodiscard]] virtual result<tenant_record> find_tenant(const std::string& name) = 0;
  // Changes the fields `update` sets, in one statement.
  [[nodiscard]] virtual result<void> update_tenant(const std::string& name,
                                                   const tenant_update& update) = 0;
  [[nodiscard]] virtual result<std::string> rotate_key(const std::string& name) = 0;
  // update_tenant with one field set.
  [[nodiscard]] result<void> set_enabled(const std::string& name, bool enabled);
  [[nodiscard]] result<void> set_limits(const std::string& name, const tenant_limits& limits);

  // All rows or none (one transaction).
  [[nodiscard]] virtual result<void> record_usage(const std::vector<usage_record>& rows) = 0;
  // Per model per day for one tenant, days inclusive, over every instance's rows.
  [[nodiscard]] virtual result<std::vector<usage_total>> usage_totals(
      const std::string& tenant, const std::string& from_day, const std::string& to_day) = 0;
  // Per tenant, day and model, days inclusive, ordered so; `tenant` "" is every tenant.
  [[nodiscard]] virtual result<std::vector<tenant_usage>> usage_report(
      const std::string& tenant, const std::string& from_day, const std::string& to_day) = 0;

  // True when models or tenants may have changed (by any process) since the last call; usage rows
  // leave it alone. Cheap: the loader calls it every catalog.reload_interval_ms.
  [[nodiscard]] virtual result<bool> catalog_changed() = 0;
};

// Opens (creating and migrating if needed) the store the options name; the models table is seeded
// from `seed_path` when empty.
[[nodiscard]] result<std::unique_ptr<store>> open_store(const store_options& options);

}  // namespace qgate::catalog
