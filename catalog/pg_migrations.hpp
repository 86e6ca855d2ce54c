// Numbered schema migrations of the PostgreSQL catalog, tracked in the qgate_schema table.
#pragma once

#include "catalog/pg_db.hpp"

namespace qgate::catalog {

// Call inside a transaction: takes the schema's advisory lock (held to the transaction's end, so
// instances starting together apply each migration exactly once and seed once), then applies every
// migration newer than the database. Returns the version it found before.
[[nodiscard]] result<int> pg_migrate(pg_db& db);

int pg_latest_schema_version() noexcept;

}  // namespace qgate::catalog
