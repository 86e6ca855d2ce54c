// The models table: opening (migrate + first-start seed), listing, change detection.
#pragma once

#include "catalog/sqlite_db.hpp"
#include "messages/model_info.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::catalog {

class model_store {
 public:
  // Opens (creating if needed) the database, migrates it, and seeds it from `seed_path` when the
  // database was created by this call. ":memory:" works for tests.
  [[nodiscard]] static result<model_store> open(const std::string& path,
                                                const std::string& seed_path);

  // Every model of every type, ordered by id.
  [[nodiscard]] result<std::vector<model_info>> list_models();
  [[nodiscard]] result<void> insert(const model_info& model);
  // Moves whenever a model or a tenant is added, changed or removed (by any process); usage rows
  // leave it alone.
  [[nodiscard]] result<std::int64_t> catalog_version();
  sqlite_db& database() noexcept { return db_; }

 private:
  explicit model_store(sqlite_db db) : db_(std::move(db)) {}
  sqlite_db db_;
};

// Parses the seed file's JSON array of model objects (pure).
[[nodiscard]] result<std::vector<model_info>> parse_model_seed(std::string_view json);

// Brings a stored timestamp to the spec's `YYYY-MM-DDTHH:MM:SS` where it is recognisably one.
std::string normalize_timestamp(std::string_view stored);

}  // namespace qgate::catalog
