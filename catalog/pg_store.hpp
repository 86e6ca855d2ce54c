// The catalog store in PostgreSQL, shared by a fleet: models, tenants and the usage ledger, with
// daily usage totals kept by the server and catalog changes pushed by LISTEN/NOTIFY.
#pragma once

#include "catalog/pg_db.hpp"
#include "catalog/store.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::catalog {

// The NOTIFY channel of model and tenant changes.
inline constexpr std::string_view pg_catalog_channel = "qgate_catalog";
// Usage rows per INSERT statement (10 parameters each, PostgreSQL allows 65535 per statement); a
// larger batch is several statements in one transaction.
inline constexpr std::size_t pg_usage_rows_per_statement = 1000;

class pg_store final : public store {
 public:
  // `db` as open_pg_store leaves it: migrated and listening on pg_catalog_channel.
  explicit pg_store(pg_db db) noexcept : db_(std::move(db)) {}

  [[nodiscard]] result<std::vector<model_info>> list_models() override;
  [[nodiscard]] result<std::string> add_tenant(const std::string& name, const tenant_limits& limits,
                                               const std::vector<std::string>& models) override;
  [[nodiscard]] result<std::vector<tenant_record>> list_tenants() override;
  [[nodiscard]] result<tenant_record> find_tenant(const std::string& name) override;
  [[nodiscard]] result<void> update_tenant(const std::string& name,
                                           const tenant_update& update) override;
  [[nodiscard]] result<std::string> rotate_key(const std::string& name) override;
  [[nodiscard]] result<void> record_usage(const std::vector<usage_record>& rows) override;
  [[nodiscard]] result<std::vector<usage_total>> usage_totals(const std::string& tenant,
                                                              const std::string& from_day,
                                                              const std::string& to_day) override;
  [[nodiscard]] result<std::vector<tenant_usage>> usage_report(const std::string& tenant,
                                                               const std::string& from_day,
                                                               const std::string& to_day) override;
  // Sends no query: takes the notifications that already arrived. Also true once after a
  // reconnect, since notifications sent meanwhile were lost.
  [[nodiscard]] result<bool> catalog_changed() override;

 private:
  pg_db db_;
};

// "true" or "false", as PostgreSQL reads a boolean parameter.
std::string pg_flag(bool value);

// Connects to `url` (a libpq URI; connect_timeout defaults to pg_default_connect_timeout_s),
// migrates the schema and, when the models table is empty and `seed_path` is not "", seeds it: all
// in one transaction under an advisory lock, so instances starting together do each step once.
[[nodiscard]] result<std::unique_ptr<store>> open_pg_store(const std::string& url,
                                                           const std::string& seed_path);

}  // namespace qgate::catalog
