#include "catalog/pg_store.hpp"

#include "catalog/model_store.hpp"
#include "catalog/pg_migrations.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <tuple>

namespace qgate::catalog {
namespace {

constexpr std::string_view select_models =
    "SELECT id, title, img, name, description, keyword, time, tag1, tag2, type, is_featured, "
    "created_at, updated_at FROM models ORDER BY id";

// A seed row's empty timestamps become the insert time, as in SQLite.
constexpr std::array<std::string_view, 13> model_columns = {
    "%::bigint",
    "%",
    "%",
    "%",
    "%",
    "%",
    "%",
    "%",
    "%",
    "%::bigint",
    "%::boolean",
    "coalesce(nullif(%::text, ''), qgate_utc_now())",
    "coalesce(nullif(%::text, ''), qgate_utc_now())"};

constexpr std::array<std::string_view, 10> usage_columns = {
    "%",         "%",         "%",         "%::boolean", "%::integer",
    "%::bigint", "%::bigint", "%::bigint", "%::bigint",  "%"};

}  // namespace

std::string pg_flag(bool value) { return value ? "true" : "false"; }

namespace {

[[nodiscard]] result<std::string> read_seed(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::internal_error, "model seed: cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Runs inside the migration's transaction (and lock): instances starting together seed once.
[[nodiscard]] result<void> seed_if_empty(pg_db& db, const std::string& seed_path) {
  auto present = db.exec("SELECT EXISTS (SELECT 1 FROM models)");
  if (!present) return present.error();
  if (present.value().boolean(0, 0)) return boost::outcome_v2::success();
  auto text = read_seed(seed_path);
  if (!text) return text.error();
  auto models = parse_model_seed(text.value());
  if (!models) return models.error();
  if (models.value().empty()) return boost::outcome_v2::success();
  std::vector<std::string> params;
  params.reserve(models.value().size() * model_columns.size());
  for (const auto& m : models.value()) {
    for (auto value :
         {std::to_string(m.id), m.title, m.img, m.name, m.description, m.keyword, m.time, m.tag1,
          m.tag2, std::to_string(m.type), pg_flag(m.is_featured), m.created_at, m.updated_at}) {
      params.push_back(std::move(value));
    }
  }
  auto inserted = db.exec(
      "INSERT INTO models (id, title, img, name, description, keyword, time, "
      "tag1, tag2, type, is_featured, created_at, updated_at) VALUES " +
          pg_values_list(models.value().size(), model_columns),
      params);
  if (!inserted) return inserted.error();
  return boost::outcome_v2::success();
}

std::string day_of(const usage_record& row) { return row.time.substr(0, 10); }

}  // namespace

result<std::unique_ptr<store>> open_pg_store(const std::string& url, const std::string& seed_path) {
  auto db = pg_db::connect(url);
  if (!db) return db.error();
  {
    auto transaction = db.value().begin();
    if (!transaction) return transaction.error();
    if (auto migrated = pg_migrate(db.value()); !migrated) return migrated.error();
    if (!seed_path.empty()) {
      if (auto seeded = seed_if_empty(db.value(), seed_path); !seeded) return seeded.error();
    }
    if (auto committed = transaction.value().commit(); !committed) return committed.error();
  }
  // After the seed, so this store's own first start is not reported as a change.
  auto listening = db.value().add_session_setup("LISTEN " + std::string(pg_catalog_channel));
  if (!listening) return listening.error();
  return std::make_unique<pg_store>(std::move(db).value());
}

result<std::vector<model_info>> pg_store::list_models() {
  auto rows = db_.exec(select_models);
  if (!rows) return rows.error();
  const auto& r = rows.value();
  std::vector<model_info> models;
  models.reserve(static_cast<std::size_t>(r.size()));
  for (int i = 0; i < r.size(); ++i) {
    model_info model;
    model.id = r.integer(i, 0);
    model.title = r.text(i, 1);
    model.img = r.text(i, 2);
    model.name = r.text(i, 3);
    model.description = r.text(i, 4);
    model.keyword = r.text(i, 5);
    model.time = r.text(i, 6);
    model.tag1 = r.text(i, 7);
    model.tag2 = r.text(i, 8);
    model.type = r.integer(i, 9);
    model.is_featured = r.boolean(i, 10);
    model.created_at = normalize_timestamp(r.text(i, 11));
    model.updated_at = normalize_timestamp(r.text(i, 12));
    models.push_back(std::move(model));
  }
  return models;
}

result<void> pg_store::record_usage(const std::vector<usage_record>& rows) {
  if (rows.empty()) return boost::outcome_v2::success();
  // Sorted by the daily key (bytes, as COLLATE "C"): every statement's trigger then upserts keys in
  // one global order, and concurrent batches from other instances cannot deadlock with this one.
  std::vector<const usage_record*> sorted;
  sorted.reserve(rows.size());
  for (const auto& row : rows) sorted.push_back(&row);
  std::stable_sort(sorted.begin(), sorted.end(), [](const usage_record* a, const usage_record* b) {
    return std::forward_as_tuple(a->tenant, day_of(*a), a->model) <
           std::forward_as_tuple(b->tenant, day_of(*b), b->model);
  });
  auto transaction = db_.begin();
  if (!transaction) return transaction.error();
  std::vector<std::string> params;
  for (std::size_t first = 0; first < sorted.size(); first += pg_usage_rows_per_statement) {
    const auto count = std::min(pg_usage_rows_per_statement, sorted.size() - first);
    params.clear();
    params.reserve(count * usage_columns.size());
    for (std::size_t i = first; i < first + count; ++i) {
      const auto& r = *sorted[i];
      for (auto value :
           {r.time, r.tenant, r.model, pg_flag(r.stream), std::to_string(r.status),
            std::to_string(r.input_tokens), std::to_string(r.output_tokens),
            std::to_string(r.total_tokens), std::to_string(r.latency_ms), r.request_id}) {
        params.push_back(std::move(value));
      }
    }
    auto inserted = db_.exec(
        "INSERT INTO usage (ts, tenant, model, stream, status, input_tokens, output_tokens, "
        "total_tokens, latency_ms, request_id) VALUES " +
            pg_values_list(count, usage_columns),
        params);
    if (!inserted) return inserted.error();
  }
  return transaction.value().commit();
}

result<std::vector<usage_total>> pg_store::usage_totals(const std::string& tenant,
                                                        const std::string& from_day,
                                                        const std::string& to_day) {
  const std::array<std::string, 3> params = {tenant, from_day, to_day};
  auto rows = db_.exec(
      "SELECT day, model, requests, input_tokens, output_tokens, total_tokens FROM usage_daily "
      "WHERE tenant = $1 AND day >= $2 AND day <= $3 ORDER BY day, model",
      params);
  if (!rows) return rows.error();
  const auto& r = rows.value();
  std::vector<usage_total> totals;
  totals.reserve(static_cast<std::size_t>(r.size()));
  for (int i = 0; i < r.size(); ++i) {
    totals.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.integer(i, 3), r.integer(i, 4),
                      r.integer(i, 5)});
  }
  return totals;
}

result<std::vector<tenant_usage>> pg_store::usage_report(const std::string& tenant,
                                                         const std::string& from_day,
                                                         const std::string& to_day) {
  const std::array<std::string, 3> params = {tenant, from_day, to_day};
  auto rows = db_.exec(
      "SELECT tenant, day, model, requests, input_tokens, output_tokens, total_tokens "
      "FROM usage_daily WHERE ($1 = '' OR tenant = $1) AND day >= $2 AND day <= $3 "
      "ORDER BY tenant, day, model",
      params);
  if (!rows) return rows.error();
  const auto& r = rows.value();
  std::vector<tenant_usage> report;
  report.reserve(static_cast<std::size_t>(r.size()));
  for (int i = 0; i < r.size(); ++i) {
    report.push_back({r.text(i, 0),
                      {r.text(i, 1), r.text(i, 2), r.integer(i, 3), r.integer(i, 4),
                       r.integer(i, 5), r.integer(i, 6)}});
  }
  return report;
}

result<bool> pg_store::catalog_changed() {
  auto received = db_.take_notifications();
  if (!received) return received.error();
  const bool reconnected = db_.take_reconnected();
  return received.value() > 0 || reconnected;
}

}  // namespace qgate::catalog
