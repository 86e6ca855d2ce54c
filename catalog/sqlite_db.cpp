#include "catalog/sqlite_db.hpp"

#include <sqlite3.h>

namespace qgate::catalog {
namespace {

error database_error(sqlite3* db, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return make_error(errc::internal_error, std::move(detail));
}

}  // namespace

statement::statement(statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), failure_(std::move(other.failure_)) {
  other.stmt_ = nullptr;
}

statement::~statement() { sqlite3_finalize(stmt_); }

void statement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void statement::bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) failure_ = sqlite3_errmsg(db_);
  return false;
}

result<void> statement::run() {
  while (step()) {
  }
  if (!failure_.empty()) return make_error(errc::internal_error, failure_);
  return boost::outcome_v2::success();
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  failure_.clear();
}

std::string statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

void sqlite_db::closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

result<sqlite_db> sqlite_db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  sqlite_db db(raw);
  if (rc != SQLITE_OK) return database_error(raw, "cannot open catalog database " + path);
  // Another process (the admin CLI) may hold the write lock for a moment.
  sqlite3_busy_timeout(raw, 2000);
  return db;
}

result<void> sqlite_db::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string detail = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return make_error(errc::internal_error, std::move(detail));
  }
  return boost::outcome_v2::success();
}

result<statement> sqlite_db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return database_error(db_.get(), "cannot prepare statement");
  }
  return statement(db_.get(), stmt);
}

int sqlite_db::changes() const noexcept { return sqlite3_changes(db_.get()); }

}  // namespace qgate::catalog
