#include "catalog/tenant_store.hpp"

#include "catalog/api_keys.hpp"
#include "messages/tenant_rules.hpp"

#include <map>
#include <string_view>
#include <tuple>

namespace qgate::catalog {
namespace {

constexpr std::string_view tenant_columns =
    "SELECT id, name, key_hash, key_prefix, enabled, models, rpm, tpm, max_streams, created_at "
    "FROM tenants ";

tenant_record record_of(const statement& rows) {
  tenant_record record;
  record.info.id = rows.integer(0);
  record.info.name = rows.text(1);
  record.key_hash = rows.text(2);
  record.info.key_prefix = rows.text(3);
  record.info.enabled = rows.integer(4) != 0;
  record.info.models = split_models(rows.text(5));
  record.info.limits = {rows.integer(6), rows.integer(7), rows.integer(8)};
  record.created_at = rows.text(9);
  return record;
}

}  // namespace

result<void> check_new_tenant(const std::string& name, const tenant_limits& limits,
                              const std::vector<std::string>& models) {
  if (auto checked = check_tenant_name(name); !checked) return checked;
  tenant_update fields;
  fields.rpm = limits.rpm;
  fields.tpm = limits.tpm;
  fields.max_streams = limits.max_streams;
  fields.models = models;
  return check_tenant_update(fields);
}

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
  if (auto checked = check_new_tenant(name, limits, models); !checked) return checked.error();
  auto key = generate_api_key();
  if (!key) return key.error();
  auto stmt = db_.prepare(
      "INSERT INTO tenants (name, key_hash, key_prefix, models, rpm, tpm, max_streams) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (name) DO NOTHING");
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
  if (db_.changes() != 1)
    return make_error(errc::conflict, "a tenant named " + name + " already exists", "name");
  return key;
}

result<std::vector<tenant_record>> tenant_store::list() {
  auto stmt = db_.prepare(std::string(tenant_columns) + "ORDER BY id");
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  std::vector<tenant_record> tenants;
  while (rows.step()) tenants.push_back(record_of(rows));
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return tenants;
}

result<tenant_record> tenant_store::find(const std::string& name) {
  auto stmt = db_.prepare(std::string(tenant_columns) + "WHERE name = ?1");
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  rows.bind(1, name);
  if (rows.step()) return record_of(rows);
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return make_error(errc::not_found, "no tenant named " + name);
}

// Each field is written only when the update sets it (?N flags), so concurrent updates of
// different fields do not undo each other.
result<void> tenant_store::update(const std::string& name, const tenant_update& update) {
  if (auto checked = check_tenant_update(update); !checked) return checked;
  auto stmt = db_.prepare(
      "UPDATE tenants SET rpm = CASE WHEN ?2 THEN ?3 ELSE rpm END, "
      "tpm = CASE WHEN ?4 THEN ?5 ELSE tpm END, "
      "max_streams = CASE WHEN ?6 THEN ?7 ELSE max_streams END, "
      "models = CASE WHEN ?8 THEN ?9 ELSE models END, "
      "enabled = CASE WHEN ?10 THEN ?11 ELSE enabled END, "
      "updated_at = strftime('%Y-%m-%dT%H:%M:%S', 'now') WHERE name = ?1");
  if (!stmt) return stmt.error();
  auto& row = stmt.value();
  const auto flag = [](bool set) { return std::int64_t{set ? 1 : 0}; };
  row.bind(1, name);
  row.bind(2, flag(update.rpm.has_value()));
  row.bind(3, update.rpm.value_or(0));
  row.bind(4, flag(update.tpm.has_value()));
  row.bind(5, update.tpm.value_or(0));
  row.bind(6, flag(update.max_streams.has_value()));
  row.bind(7, update.max_streams.value_or(0));
  row.bind(8, flag(update.models.has_value()));
  row.bind(9, update.models ? join_models(*update.models) : std::string());
  row.bind(10, flag(update.enabled.has_value()));
  row.bind(11, flag(update.enabled.value_or(true)));
  if (auto done = row.run(); !done) return done.error();
  return expect_one_change(name);
}

result<void> tenant_store::expect_one_change(const std::string& name) {
  if (db_.changes() == 1) return boost::outcome_v2::success();
  return make_error(errc::not_found, "no tenant named " + name);
}

result<void> tenant_store::set_enabled(const std::string& name, bool enabled) {
  return update(name, tenant_update::of_enabled(enabled));
}

result<void> tenant_store::set_limits(const std::string& name, const tenant_limits& limits) {
  return update(name, tenant_update::of_limits(limits));
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
  // usage_daily, which usage queries read, gets the batch's totals per tenant, day and model.
  auto upsert = db_.prepare(
      "INSERT INTO usage_daily VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
      "ON CONFLICT (tenant, day, model) DO UPDATE SET requests = requests + excluded.requests, "
      "input_tokens = input_tokens + excluded.input_tokens, "
      "output_tokens = output_tokens + excluded.output_tokens, "
      "total_tokens = total_tokens + excluded.total_tokens");
  if (!upsert) return upsert.error();
  using day_key = std::tuple<std::string_view, std::string_view, std::string_view>;
  std::map<day_key, usage_total> days;
  for (const auto& r : rows) {
    auto& sum = days[{r.tenant, std::string_view{r.time}.substr(0, 10), r.model}];
    sum.requests += 1;
    sum.input_tokens += r.input_tokens;
    sum.output_tokens += r.output_tokens;
    sum.total_tokens += r.total_tokens;
  }
  const auto rolled_back = [this](error failure) -> result<void> {
    (void)db_.exec("ROLLBACK");
    return failure;
  };
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
    if (auto done = row.run(); !done) return rolled_back(done.error());
  }
  auto& day = upsert.value();
  for (const auto& [key, sum] : days) {
    day.reset();
    day.bind(1, std::get<0>(key));
    day.bind(2, std::get<1>(key));
    day.bind(3, std::get<2>(key));
    day.bind(4, sum.requests);
    day.bind(5, sum.input_tokens);
    day.bind(6, sum.output_tokens);
    day.bind(7, sum.total_tokens);
    if (auto done = day.run(); !done) return rolled_back(done.error());
  }
  return db_.exec("COMMIT");
}

result<std::vector<usage_total>> tenant_store::usage_totals(const std::string& tenant,
                                                            const std::string& from_day,
                                                            const std::string& to_day) {
  // Days are inclusive; the ledger writer adds each batch to the daily totals (record_usage).
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

result<std::vector<tenant_usage>> tenant_store::usage_report(const std::string& tenant,
                                                             const std::string& from_day,
                                                             const std::string& to_day) {
  auto stmt = db_.prepare(
      "SELECT tenant, day, model, requests, input_tokens, output_tokens, total_tokens "
      "FROM usage_daily WHERE (?1 = '' OR tenant = ?1) AND day >= ?2 AND day <= ?3 "
      "ORDER BY tenant, day, model");
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  rows.bind(1, tenant);
  rows.bind(2, from_day);
  rows.bind(3, to_day);
  std::vector<tenant_usage> report;
  while (rows.step()) {
    report.push_back({rows.text(0),
                      {rows.text(1), rows.text(2), rows.integer(3), rows.integer(4),
                       rows.integer(5), rows.integer(6)}});
  }
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return report;
}

}  // namespace qgate::catalog
