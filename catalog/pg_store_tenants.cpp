// The PostgreSQL store's tenants: the same rules and errors as SQLite's tenant_store (a name
// taken is errc::conflict, an unknown one errc::not_found); every change NOTIFYs the fleet (a
// trigger of migration 4).
#include "catalog/api_keys.hpp"
#include "catalog/pg_store.hpp"
#include "messages/tenant_rules.hpp"

#include <array>

namespace qgate::catalog {
namespace {

constexpr std::string_view tenant_columns =
    "SELECT id, name, key_hash, key_prefix, enabled, models, rpm, tpm, max_streams, created_at "
    "FROM tenants ";

tenant_record record_of(const pg_rows& r, int i) {
  tenant_record record;
  record.info.id = r.integer(i, 0);
  record.info.name = r.text(i, 1);
  record.key_hash = r.text(i, 2);
  record.info.key_prefix = r.text(i, 3);
  record.info.enabled = r.boolean(i, 4);
  record.info.models = split_models(r.text(i, 5));
  record.info.limits = {r.integer(i, 6), r.integer(i, 7), r.integer(i, 8)};
  record.created_at = r.text(i, 9);
  return record;
}

[[nodiscard]] result<void> expect_one_change(const result<pg_rows>& changed,
                                             const std::string& name) {
  if (!changed) return changed.error();
  if (changed.value().affected() == 1) return boost::outcome_v2::success();
  return make_error(errc::not_found, "no tenant named " + name);
}

}  // namespace

result<std::string> pg_store::add_tenant(const std::string& name, const tenant_limits& limits,
                                         const std::vector<std::string>& models) {
  if (auto checked = check_new_tenant(name, limits, models); !checked) return checked.error();
  auto key = generate_api_key();
  if (!key) return key.error();
  const std::array<std::string, 7> params = {name,
                                             hash_api_key(key.value()),
                                             visible_prefix(key.value()),
                                             join_models(models),
                                             std::to_string(limits.rpm),
                                             std::to_string(limits.tpm),
                                             std::to_string(limits.max_streams)};
  auto inserted = db_.exec(
      "INSERT INTO tenants (name, key_hash, key_prefix, models, rpm, tpm, max_streams) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING",
      params);
  if (!inserted) return inserted.error();
  if (inserted.value().affected() != 1) {
    return make_error(errc::conflict, "a tenant named " + name + " already exists", "name");
  }
  return key;
}

result<std::vector<tenant_record>> pg_store::list_tenants() {
  auto rows = db_.exec(std::string(tenant_columns) + "ORDER BY id");
  if (!rows) return rows.error();
  const auto& r = rows.value();
  std::vector<tenant_record> tenants;
  tenants.reserve(static_cast<std::size_t>(r.size()));
  for (int i = 0; i < r.size(); ++i) tenants.push_back(record_of(r, i));
  return tenants;
}

result<tenant_record> pg_store::find_tenant(const std::string& name) {
  const std::array<std::string, 1> params = {name};
  auto rows = db_.exec(std::string(tenant_columns) + "WHERE name = $1", params);
  if (!rows) return rows.error();
  if (rows.value().size() == 0) return make_error(errc::not_found, "no tenant named " + name);
  return record_of(rows.value(), 0);
}

// Each field is written only when the update sets it, so concurrent updates of different fields
// (from any instance) do not undo each other.
result<void> pg_store::update_tenant(const std::string& name, const tenant_update& update) {
  if (auto checked = check_tenant_update(update); !checked) return checked;
  const std::array<std::string, 11> params = {
      name,
      pg_flag(update.rpm.has_value()),
      std::to_string(update.rpm.value_or(0)),
      pg_flag(update.tpm.has_value()),
      std::to_string(update.tpm.value_or(0)),
      pg_flag(update.max_streams.has_value()),
      std::to_string(update.max_streams.value_or(0)),
      pg_flag(update.models.has_value()),
      update.models ? join_models(*update.models) : std::string(),
      pg_flag(update.enabled.has_value()),
      pg_flag(update.enabled.value_or(true))};
  return expect_one_change(
      db_.exec("UPDATE tenants SET rpm = CASE WHEN $2::boolean THEN $3::bigint ELSE rpm END, "
               "tpm = CASE WHEN $4::boolean THEN $5::bigint ELSE tpm END, "
               "max_streams = CASE WHEN $6::boolean THEN $7::bigint ELSE max_streams END, "
               "models = CASE WHEN $8::boolean THEN $9::text ELSE models END, "
               "enabled = CASE WHEN $10::boolean THEN $11::boolean ELSE enabled END, "
               "updated_at = qgate_utc_now() WHERE name = $1",
               params),
      name);
}

result<std::string> pg_store::rotate_key(const std::string& name) {
  auto key = generate_api_key();
  if (!key) return key.error();
  const std::array<std::string, 3> params = {name, hash_api_key(key.value()),
                                             visible_prefix(key.value())};
  auto changed = expect_one_change(
      db_.exec("UPDATE tenants SET key_hash = $2, key_prefix = $3, updated_at = qgate_utc_now() "
               "WHERE name = $1",
               params),
      name);
  if (!changed) return changed.error();
  return key;
}

}  // namespace qgate::catalog
