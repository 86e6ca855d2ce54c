// RAII ownership of one SQLite connection and its prepared statements.
#pragma once

#include "messages/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace qgate::catalog {

class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt) noexcept : db_(db), stmt_(stmt) {}
  statement(statement&& other) noexcept;
  statement& operator=(statement&&) = delete;
  ~statement();

  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  // Returns true while a row is available; errors end the iteration and are kept in `failure()`.
  [[nodiscard]] bool step();
  [[nodiscard]] result<void> run();
  // Makes the statement ready to run again with new bindings.
  void reset();
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  const std::string& failure() const noexcept { return failure_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string failure_;
};

class sqlite_db {
 public:
  [[nodiscard]] static result<sqlite_db> open(const std::string& path);

  sqlite_db(sqlite_db&&) noexcept = default;
  sqlite_db& operator=(sqlite_db&&) noexcept = default;

  [[nodiscard]] result<void> exec(const std::string& sql);
  [[nodiscard]] result<statement> prepare(std::string_view sql);
  // Rows changed by the last statement.
  int changes() const noexcept;

 private:
  struct closer {
    void operator()(sqlite3* db) const noexcept;
  };
  explicit sqlite_db(sqlite3* db) noexcept : db_(db) {}
  std::unique_ptr<sqlite3, closer> db_;
};

}  // namespace qgate::catalog
