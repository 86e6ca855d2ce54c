#include "catalog/migrations.hpp"

#include <array>
#include <string>
#include <string_view>

namespace qgate::catalog {
namespace {

// Append only: a released migration is never edited, a new one gets the next number.
constexpr std::array<std::string_view, 5> migrations = {
    // 1: the models table with exactly the spec's 13 fields.
    R"sql(
CREATE TABLE models (
  id          INTEGER PRIMARY KEY,
  title       TEXT    NOT NULL UNIQUE,
  img         TEXT    NOT NULL DEFAULT '',
  name        TEXT    NOT NULL DEFAULT '',
  description TEXT    NOT NULL DEFAULT '',
  keyword     TEXT    NOT NULL DEFAULT '',
  time        TEXT    NOT NULL DEFAULT '',
  tag1        TEXT    NOT NULL DEFAULT '',
  tag2        TEXT    NOT NULL DEFAULT '',
  type        INTEGER NOT NULL DEFAULT 0,
  is_featured INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
  updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
CREATE INDEX models_type ON models(type);
)sql",
    // 2: tenants (keys stored only as SHA-256) and the usage ledger.
    R"sql(
CREATE TABLE tenants (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  key_hash    TEXT    NOT NULL UNIQUE,
  key_prefix  TEXT    NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  models      TEXT    NOT NULL DEFAULT '',
  rpm         INTEGER NOT NULL DEFAULT 0,
  tpm         INTEGER NOT NULL DEFAULT 0,
  max_streams INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now')),
  updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
CREATE TABLE usage (
  id            INTEGER PRIMARY KEY,
  ts            TEXT    NOT NULL,
  tenant        TEXT    NOT NULL,
  model         TEXT    NOT NULL,
  stream        INTEGER NOT NULL,
  status        INTEGER NOT NULL,
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  total_tokens  INTEGER NOT NULL,
  latency_ms    INTEGER NOT NULL,
  request_id    TEXT    NOT NULL
);
CREATE INDEX usage_tenant_ts ON usage(tenant, ts);
)sql",
    // 3: a counter that moves only when models or tenants change. PRAGMA data_version also moves
    // on every ledger write, which made each instance reload its catalog once a second under load.
    R"sql(
CREATE TABLE catalog_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 1);
CREATE TRIGGER models_inserted AFTER INSERT ON models
  BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER models_updated AFTER UPDATE ON models
  BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER models_deleted AFTER DELETE ON models
  BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER tenants_inserted AFTER INSERT ON tenants
  BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER tenants_updated AFTER UPDATE ON tenants
  BEGIN UPDATE catalog_version SET version = version + 1; END;
CREATE TRIGGER tenants_deleted AFTER DELETE ON tenants
  BEGIN UPDATE catalog_version SET version = version + 1; END;
)sql",
    // 4: per tenant, day and model totals, kept by a trigger as rows arrive: a usage query reads a
    // few rows however long the ledger is (summing millions of rows took seconds in a soak, on the
    // writer's thread).
    R"sql(
CREATE TABLE usage_daily (
  tenant        TEXT    NOT NULL,
  day           TEXT    NOT NULL,
  model         TEXT    NOT NULL,
  requests      INTEGER NOT NULL,
  input_tokens  INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  total_tokens  INTEGER NOT NULL,
  PRIMARY KEY (tenant, day, model)
) WITHOUT ROWID;
INSERT INTO usage_daily
  SELECT tenant, substr(ts, 1, 10), model, count(*), sum(input_tokens), sum(output_tokens),
         sum(total_tokens)
  FROM usage GROUP BY tenant, substr(ts, 1, 10), model;
CREATE TRIGGER usage_counted AFTER INSERT ON usage BEGIN
  INSERT INTO usage_daily VALUES (NEW.tenant, substr(NEW.ts, 1, 10), NEW.model, 1,
                                  NEW.input_tokens, NEW.output_tokens, NEW.total_tokens)
  ON CONFLICT (tenant, day, model) DO UPDATE SET
    requests = requests + 1,
    input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    total_tokens = total_tokens + excluded.total_tokens;
END;
)sql",
    // 5: the ledger's writer adds each batch's per-day totals itself, one upsert per tenant, day
    // and model: the trigger's upsert per row was 40 % of the writer's time.
    R"sql(
DROP TRIGGER usage_counted;
)sql",
};

[[nodiscard]] result<int> user_version(sqlite_db& db) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  if (!stmt.value().step()) return make_error(errc::internal_error, "PRAGMA user_version failed");
  return static_cast<int>(stmt.value().integer(0));
}

}  // namespace

int latest_schema_version() noexcept { return static_cast<int>(migrations.size()); }

result<int> migrate(sqlite_db& db) {
  auto found = user_version(db);
  if (!found) return found.error();
  const int before = found.value();
  if (before > latest_schema_version()) {
    return make_error(errc::internal_error, "catalog schema version " + std::to_string(before) +
                                                " is newer than this qgate understands");
  }
  for (int version = before + 1; version <= latest_schema_version(); ++version) {
    std::string script = "BEGIN IMMEDIATE;\n";
    script += migrations[static_cast<std::size_t>(version - 1)];
    script += "\nPRAGMA user_version = " + std::to_string(version) + ";\nCOMMIT;";
    if (auto applied = db.exec(script); !applied) {
      (void)db.exec("ROLLBACK");
      return make_error(errc::internal_error, "migration " + std::to_string(version) +
                                                  " failed: " + applied.error().detail);
    }
  }
  return before;
}

}  // namespace qgate::catalog
