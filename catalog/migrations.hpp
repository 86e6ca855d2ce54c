// Numbered schema migrations of the catalog database, tracked in PRAGMA user_version.
#pragma once

#include "catalog/sqlite_db.hpp"

namespace qgate::catalog {

// Applies every migration newer than the database; returns the version it found before.
[[nodiscard]] result<int> migrate(sqlite_db& db);

int latest_schema_version() noexcept;

}  // namespace qgate::catalog
