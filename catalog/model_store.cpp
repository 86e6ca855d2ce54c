#include "catalog/model_store.hpp"

#include "catalog/migrations.hpp"

#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace qgate::catalog {
namespace {

constexpr std::string_view select_models =
    "SELECT id, title, img, name, description, keyword, time, tag1, tag2, type, is_featured, "
    "created_at, updated_at FROM models ORDER BY id";

constexpr std::string_view insert_model =
    "INSERT INTO models (id, title, img, name, description, keyword, time, tag1, tag2, type, "
    "is_featured, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "coalesce(nullif(?12, ''), strftime('%Y-%m-%dT%H:%M:%S', 'now')), "
    "coalesce(nullif(?13, ''), strftime('%Y-%m-%dT%H:%M:%S', 'now')))";

error seed_error(std::string detail) {
  return make_error(errc::internal_error, "model seed: " + std::move(detail));
}

[[nodiscard]] result<model_info> parse_seed_model(simdjson::dom::element item) {
  model_info model;
  const auto text_field = [&](const char* key, std::string& out, bool required) -> bool {
    std::string_view value;
    const auto code = item[key].get(value);
    if (code == simdjson::NO_SUCH_FIELD) return !required;
    if (code != simdjson::SUCCESS) return false;
    out = value;
    return true;
  };
  if (item["id"].get(model.id) != simdjson::SUCCESS)
    return seed_error("every model needs an integer id");
  if (!text_field("title", model.title, true) || model.title.empty()) {
    return seed_error("model " + std::to_string(model.id) + " needs a title");
  }
  for (auto [key, field] : {std::pair{"img", &model.img},
                            {"name", &model.name},
                            {"description", &model.description},
                            {"keyword", &model.keyword},
                            {"time", &model.time},
                            {"tag1", &model.tag1},
                            {"tag2", &model.tag2},
                            {"created_at", &model.created_at},
                            {"updated_at", &model.updated_at}}) {
    if (!text_field(key, *field, false)) {
      return seed_error(model.title + "." + key + " must be a string");
    }
  }
  if (item["type"].get(model.type) != simdjson::SUCCESS) {
    return seed_error(model.title + ".type must be an integer");
  }
  const auto featured = item["is_featured"].get(model.is_featured);
  if (featured != simdjson::SUCCESS && featured != simdjson::NO_SUCH_FIELD) {
    return seed_error(model.title + ".is_featured must be a boolean");
  }
  return model;
}

[[nodiscard]] result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return seed_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

[[nodiscard]] result<void> seed(model_store& store, const std::string& seed_path) {
  auto text = read_file(seed_path);
  if (!text) return text.error();
  auto models = parse_model_seed(text.value());
  if (!models) return models.error();
  if (auto begun = store.database().exec("BEGIN IMMEDIATE"); !begun) return begun.error();
  for (const auto& model : models.value()) {
    if (auto inserted = store.insert(model); !inserted) {
      (void)store.database().exec("ROLLBACK");
      return inserted.error();
    }
  }
  return store.database().exec("COMMIT");
}

void ensure_parent_directory(const std::string& path) {
  if (path == ":memory:" || path.empty()) return;
  const auto parent = std::filesystem::path(path).parent_path();
  std::error_code ignored;  // open() reports the real failure if the directory is still missing
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
}

}  // namespace

result<std::vector<model_info>> parse_model_seed(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::array items;
  if (parser.parse(simdjson::padded_string(json)).get(items) != simdjson::SUCCESS) {
    return seed_error("expected a JSON array of model objects");
  }
  std::vector<model_info> models;
  for (auto item : items) {
    auto model = parse_seed_model(item);
    if (!model) return model.error();
    models.push_back(std::move(model).value());
  }
  return models;
}

std::string normalize_timestamp(std::string_view stored) {
  const bool looks_like_datetime = stored.size() >= 19 && stored[4] == '-' && stored[7] == '-' &&
                                   (stored[10] == ' ' || stored[10] == 'T') && stored[13] == ':' &&
                                   stored[16] == ':';
  if (!looks_like_datetime) return std::string(stored);
  std::string out(stored.substr(0, 19));
  out[10] = 'T';
  return out;
}

result<model_store> model_store::open(const std::string& path, const std::string& seed_path) {
  ensure_parent_directory(path);
  auto db = sqlite_db::open(path);
  if (!db) return db.error();
  model_store store(std::move(db).value());
  if (path != ":memory:") {
    if (auto wal = store.db_.exec("PRAGMA journal_mode=WAL"); !wal) return wal.error();
  }
  auto previous_version = migrate(store.db_);
  if (!previous_version) return previous_version.error();
  if (previous_version.value() == 0 && !seed_path.empty()) {
    if (auto seeded = seed(store, seed_path); !seeded) return seeded.error();
  }
  return store;
}

result<std::vector<model_info>> model_store::list_models() {
  auto stmt = db_.prepare(select_models);
  if (!stmt) return stmt.error();
  auto& rows = stmt.value();
  std::vector<model_info> models;
  while (rows.step()) {
    model_info model;
    model.id = rows.integer(0);
    model.title = rows.text(1);
    model.img = rows.text(2);
    model.name = rows.text(3);
    model.description = rows.text(4);
    model.keyword = rows.text(5);
    model.time = rows.text(6);
    model.tag1 = rows.text(7);
    model.tag2 = rows.text(8);
    model.type = rows.integer(9);
    model.is_featured = rows.integer(10) != 0;
    model.created_at = normalize_timestamp(rows.text(11));
    model.updated_at = normalize_timestamp(rows.text(12));
    models.push_back(std::move(model));
  }
  if (!rows.failure().empty()) return make_error(errc::internal_error, rows.failure());
  return models;
}

result<std::int64_t> model_store::catalog_version() {
  auto stmt = db_.prepare("SELECT version FROM catalog_version WHERE id = 1");
  if (!stmt) return stmt.error();
  if (!stmt.value().step()) {
    return make_error(errc::internal_error, "catalog_version: " + stmt.value().failure());
  }
  return stmt.value().integer(0);
}

result<void> model_store::insert(const model_info& model) {
  auto stmt = db_.prepare(insert_model);
  if (!stmt) return stmt.error();
  auto& row = stmt.value();
  row.bind(1, model.id);
  int index = 2;
  for (const std::string* text : {&model.title, &model.img, &model.name, &model.description,
                                  &model.keyword, &model.time, &model.tag1, &model.tag2}) {
    row.bind(index++, *text);
  }
  row.bind(10, model.type);
  row.bind(11, std::int64_t{model.is_featured ? 1 : 0});
  row.bind(12, model.created_at);
  row.bind(13, model.updated_at);
  return row.run();
}

}  // namespace qgate::catalog
