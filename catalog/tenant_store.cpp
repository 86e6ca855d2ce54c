#include "catalog/tenant_store.hpp"

#include "catalog/api_keys.hpp"

namespace qgate::catalog {
namespace {

constexpr std::string_view select_tenants =
    "SELECT id, name, key_hash, key_prefix, enabled, models, rpm, tpm, max_streams, created_at "
    "FROM tenants ORDER BY id";

}  // namespace

std::string join_models(const std::vector<std::string>& models) {
  std::string text;
  for (const auto& model : models) {
    if (!text.empty()) text += ',';
    text += model;
  }
  return text;
}

std::vector<std::string> split_models(std::string_view text) {
  std::vector<std::string> models;
  while (!text.empty()) {
    const auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) models.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return models;
}

result<std::string> tenant_store::add(const std::string& name, const tenant_limits& limits,
                                      const std::vector<std::string>& models) {
  auto key = generate_api_key();
  if (!key) return key.error();
  auto stmt = db_.prepare(
      "INSERT INTO tenants (name, key_hash, key_prefix, models, rpm, tpm, max_streams) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!stmt) return stmt.error();
  auto& row = stmt.value();
  row.bind(1, name);
  row.bind(2, hash_api_key(key.value()));
  row.bind(3, visible_prefix(key.value()));
  row.bind(4, join_models(models));
  row.bind(5, limits.rpm);
  row.bind(6, limits.tpm);
  row.bind(7, limits.max_streams);
  if (auto done = row.run(); !done) return done.error();
  return key;
}

result<std::vector<tenant_record>> tenant_store::list() {
  auto stmt = db_.prepare(select_tenants);
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  std::vector<tenant_record> tenants;
  while (rows.step()) {
    tenant_record record;
    record.info.id = rows.integer(0);
    record.info.name = rows.text(1);
    record.key_hash = rows.text(2);
    record.info.key_prefix = rows.text(3);
    record.info.enabled = rows.integer(4) != 0;
    record.info.models = split_models(rows.text(5));
    record.info.limits = {rows.integer(6), rows.integer(7), rows.integer(8)};
    record.created_at = rows.text(9);
    tenants.push_back(std::move(record));
  }
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return tenants;
}

result<void> tenant_store::expect_one_change(const std::string& name) {
  if (db_.changes() == 1) return boost::outcome_v2::success();
  return make_error(errc::not_found, "no tenant named " + name);
}

result<void> tenant_store::set_enabled(const std::string& name, bool enabled) {
  auto stmt = db_.prepare(
      "UPDATE tenants SET enabled = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE "
      "name = ?1");
  if (!stmt) return stmt.error();
  stmt.value().bind(1, name);
  stmt.value().bind(2, std::int64_t{enabled ? 1 : 0});
  if (auto done = stmt.value().run(); !done) return done.error();
  return expect_one_change(name);
}

result<void> tenant_store::set_limits(const std::string& name, const tenant_limits& limits) {
  auto stmt = db_.prepare(
      "UPDATE tenants SET rpm = ?2, tpm = ?3, max_streams = ?4, "
      "updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE name = ?1");
  if (!stmt) return stmt.error();
  auto& row = stmt.value();
  row.bind(1, name);
  row.bind(2, limits.rpm);
  row.bind(3, limits.tpm);
  row.bind(4, limits.max_streams);
  if (auto done = row.run(); !done) return done.error();
  return expect_one_change(name);
}

result<std::string> tenant_store::rotate_key(const std::string& name) {
  auto key = generate_api_key();
  if (!key) return key.error();
  auto stmt = db_.prepare(
      "UPDATE tenants SET key_hash = ?2, key_prefix = ?3, "
      "updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE name = ?1");
  if (!stmt) return stmt.error();
  stmt.value().bind(1, name);
  stmt.value().bind(2, hash_api_key(key.value()));
  stmt.value().bind(3, visible_prefix(key.value()));
  if (auto done = stmt.value().run(); !done) return done.error();
  if (auto changed = expect_one_change(name); !changed) return changed.error();
  return key;
}

result<void> tenant_store::record_usage(const std::vector<usage_record>& rows) {
  if (rows.empty()) return boost::outcome_v2::success();
  // One statement for the batch: preparing one per row was most of the ledger's cost.
  auto insert = db_.prepare(
      "INSERT INTO usage (ts, tenant, model, stream, status, input_tokens, output_tokens, "
      "total_tokens, latency_ms, request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!insert) return insert.error();
  auto& row = insert.value();
  if (auto begun = db_.exec("BEGIN IMMEDIATE"); !begun) return begun.error();
  for (const auto& r : rows) {
    row.reset();
    row.bind(1, r.time);
    row.bind(2, r.tenant);
    row.bind(3, r.model);
    row.bind(4, std::int64_t{r.stream ? 1 : 0});
    row.bind(5, std::int64_t{r.status});
    row.bind(6, r.input_tokens);
    row.bind(7, r.output_tokens);
    row.bind(8, r.total_tokens);
    row.bind(9, r.latency_ms);
    row.bind(10, r.request_id);
    if (auto done = row.run(); !done) {
      (void)db_.exec("ROLLBACK");
      return done.error();
    }
  }
  return db_.exec("COMMIT");
}

result<std::vector<usage_total>> tenant_store::usage_totals(const std::string& tenant,
                                                            const std::string& from_day,
                                                            const std::string& to_day) {
  // Days are inclusive; the daily totals are kept by a trigger as rows arrive (migration 4).
  auto stmt = db_.prepare(
      "SELECT day, model, requests, input_tokens, output_tokens, total_tokens FROM usage_daily "
      "WHERE tenant = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day, model");
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  rows.bind(1, tenant);
  rows.bind(2, from_day);
  rows.bind(3, to_day);
  std::vector<usage_total> totals;
  while (rows.step()) {
    totals.push_back({rows.text(0), rows.text(1), rows.integer(2), rows.integer(3), rows.integer(4),
                      rows.integer(5)});
  }
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return totals;
}

}  // namespace qgate::catalog
