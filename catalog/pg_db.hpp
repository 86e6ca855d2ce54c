// RAII ownership of one libpq connection and its results; errors come back as values, with
// errc::unavailable when the server cannot be reached or the connection was lost.
#pragma once

#include "messages/error.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;    // libpq's PGconn
struct pg_result;  // libpq's PGresult

namespace qgate::catalog {

// A libpq URI gets this connect_timeout (seconds) unless it sets its own: a dead host must not hold
// the opener for libpq's default of forever.
inline constexpr std::string_view pg_default_connect_timeout_s = "5";

// The rows of one successful statement; values are read as text (libpq's text format).
class pg_rows {
 public:
  struct clearer {
    void operator()(pg_result* result) const noexcept;
  };
  explicit pg_rows(std::unique_ptr<pg_result, clearer> result) noexcept
      : result_(std::move(result)) {}

  int size() const noexcept;
  std::string text(int row, int column) const;
  // 0 for NULL or anything that is not a whole number.
  std::int64_t integer(int row, int column) const;
  bool boolean(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  // The command tag's verb and counts: "INSERT 0 3", "COMMIT", "ROLLBACK".
  std::string command() const;

 private:
  std::unique_ptr<pg_result, clearer> result_;
};

class pg_transaction;

class pg_db {
 public:
  // `url`: a libpq URI or key=value string. Errors name the server as host:port/db, never the URL
  // (it may carry a password).
  [[nodiscard]] static result<pg_db> connect(const std::string& url);

  pg_db(pg_db&&) noexcept = default;
  pg_db& operator=(pg_db&&) noexcept = default;

  // One statement; `params` become $1..$N, sent as text apart from the SQL (never spliced in).
  [[nodiscard]] result<pg_rows> exec(std::string_view sql,
                                     std::span<const std::string> params = {});
  // Several statements separated by ';', without parameters (migrations).
  [[nodiscard]] result<void> exec_script(const std::string& sql);
  [[nodiscard]] result<pg_transaction> begin();

  // Runs `sql` now and again on every new session after a reconnect (LISTEN, SET ...).
  [[nodiscard]] result<void> add_session_setup(std::string sql);
  // Notifications received since the last call; reads what already arrived, sends no query.
  // Reconnects when the connection was lost (see `take_reconnected`).
  [[nodiscard]] result<int> take_notifications();
  // True once after each reconnect: what the server sent meanwhile (notifications) is lost.
  bool take_reconnected() noexcept;

  // host:port/db, for messages.
  std::string target() const;

 private:
  friend class pg_transaction;
  struct closer {
    void operator()(pg_conn* conn) const noexcept;
  };
  explicit pg_db(pg_conn* conn) noexcept : conn_(conn) {}

  // Reconnects (PQreset, once) when the connection is known bad; refuses inside a transaction,
  // whose earlier statements died with the old session.
  [[nodiscard]] result<void> ensure_connected();
  [[nodiscard]] result<pg_rows> checked(pg_result* raw, std::string_view what);
  // Reads what the server already sent, without waiting: notifications, or the end of the stream
  // of a server that went away.
  void read_available() noexcept;
  // Counts and frees the notifications libpq queued: a store that never asks for them (the ledger
  // writer's) must not collect them for its whole life.
  void drain_notifications() noexcept;
  error failure(std::string_view what, const pg_result* raw) const;

  std::unique_ptr<pg_conn, closer> conn_;
  std::vector<std::string> session_setup_;
  bool in_transaction_ = false;
  bool needs_setup_ = false;
  bool reconnected_ = false;
  int notifications_ = 0;
};

// "(A1, B1), (A2, B2)" for `rows` rows of the column templates, each '%' in them replaced by the
// next placeholder from $1: multi-row INSERTs whose values all travel as parameters.
std::string pg_values_list(std::size_t rows, std::span<const std::string_view> columns);

// BEGIN ... COMMIT; destroyed without commit() it rolls back.
class pg_transaction {
 public:
  pg_transaction(pg_transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  pg_transaction& operator=(pg_transaction&&) = delete;
  ~pg_transaction();

  [[nodiscard]] result<void> commit();

 private:
  friend class pg_db;
  explicit pg_transaction(pg_db& db) noexcept : db_(&db) {}
  pg_db* db_;
};

}  // namespace qgate::catalog
