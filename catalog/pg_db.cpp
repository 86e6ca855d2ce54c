#include "catalog/pg_db.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <charconv>
#include <limits>
#include <utility>

namespace qgate::catalog {
namespace {

// Reads of what already arrived per call, so a server sending without pause cannot hold us.
constexpr int max_read_rounds = 16;

// One line, and never the password: libpq's messages do not carry it, but a server or a future
// libpq might echo connection parameters.
std::string clean_message(std::string_view text, const char* password) {
  std::string out;
  for (const char c : text) {
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  const std::string_view secret = password != nullptr ? password : "";
  if (secret.empty()) return out;
  for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
    out.replace(at, secret.size(), "***");
  }
  return out;
}

bool is_connection_state(const char* state) {
  const std::string_view code = state != nullptr ? state : "";
  // 08: connection exceptions; 57P01..57P03: the server is shutting down or starting.
  return code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03";
}

std::int64_t parse_integer(const char* text) {
  const std::string_view digits = text != nullptr ? text : "";
  std::int64_t value = 0;
  const auto [end, code] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return code == std::errc() && end == digits.data() + digits.size() ? value : 0;
}

// libpq prints notices to stderr by default: "relation qgate_schema already exists, skipping" on
// every start, the server's goodbye on a restart. The errors that matter come back as values.
void ignore_notice(void* /*unused*/, const char* /*message*/) {}

}  // namespace

std::string pg_values_list(std::size_t rows, std::span<const std::string_view> columns) {
  std::string out;
  std::size_t next = 1;
  for (std::size_t row = 0; row < rows; ++row) {
    out += row == 0 ? "(" : ", (";
    for (std::size_t column = 0; column < columns.size(); ++column) {
      if (column > 0) out += ", ";
      for (const char c : columns[column]) {
        out += c == '%' ? "$" + std::to_string(next++) : std::string(1, c);
      }
    }
    out += ')';
  }
  return out;
}

void pg_rows::clearer::operator()(pg_result* result) const noexcept { PQclear(result); }

int pg_rows::size() const noexcept { return PQntuples(result_.get()); }

std::string pg_rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t pg_rows::integer(int row, int column) const {
  return parse_integer(PQgetvalue(result_.get(), row, column));
}

bool pg_rows::boolean(int row, int column) const {
  return PQgetvalue(result_.get(), row, column)[0] == 't';
}

std::int64_t pg_rows::affected() const { return parse_integer(PQcmdTuples(result_.get())); }

std::string pg_rows::command() const { return PQcmdStatus(result_.get()); }

void pg_db::closer::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }

result<pg_db> pg_db::connect(const std::string& url) {
  // Parsed first on its own: libpq's parse errors quote the whole string, password included.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  PQfreemem(parse_error);
  if (parsed == nullptr) return make_error(errc::internal_error, "invalid PostgreSQL URL");
  PQconninfoFree(parsed);
  // Defaults come before dbname, whose expansion (the URL's own parameters) overrides them.
  const char* const keys[] = {"connect_timeout", "client_encoding", "fallback_application_name",
                              "dbname", nullptr};
  const std::string timeout(pg_default_connect_timeout_s);
  const char* const values[] = {timeout.c_str(), "UTF8", "qgate", url.c_str(), nullptr};
  pg_db db(PQconnectdbParams(keys, values, 1));
  if (!db.conn_) return make_error(errc::unavailable, "PostgreSQL: out of memory");
  PQsetNoticeProcessor(db.conn_.get(), ignore_notice, nullptr);
  if (PQstatus(db.conn_.get()) != CONNECTION_OK) {
    return make_error(errc::unavailable,
                      "cannot connect to PostgreSQL at " + db.target() + ": " +
                          clean_message(PQerrorMessage(db.conn_.get()), PQpass(db.conn_.get())));
  }
  return db;
}

std::string pg_db::target() const {
  if (!conn_) return "(closed)";
  const auto field = [](const char* value) { return std::string(value != nullptr ? value : ""); };
  return field(PQhost(conn_.get())) + ":" + field(PQport(conn_.get())) + "/" +
         field(PQdb(conn_.get()));
}

error pg_db::failure(std::string_view what, const pg_result* raw) const {
  const char* state = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message only: DETAIL may quote row values.
  const char* primary = raw != nullptr ? PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string message = clean_message(
      primary != nullptr ? primary : PQerrorMessage(conn_.get()), PQpass(conn_.get()));
  std::string detail = "PostgreSQL ";
  detail += what;
  if (PQstatus(conn_.get()) != CONNECTION_OK || is_connection_state(state)) {
    return make_error(errc::unavailable, detail + " at " + target() + ": " + message);
  }
  return make_error(errc::internal_error, detail + ": " + message);
}

void pg_db::drain_notifications() noexcept {
  while (PGnotify* notification = PQnotifies(conn_.get())) {
    PQfreemem(notification);
    if (notifications_ < std::numeric_limits<int>::max()) ++notifications_;
  }
}

void pg_db::read_available() noexcept {
  if (PQstatus(conn_.get()) != CONNECTION_OK) return;
  // Each PQconsumeInput reads once: the bytes a server sent before closing (its FATAL message)
  // come first, the end of the stream only on a later read.
  bool more = PQconsumeInput(conn_.get()) == 1;
  for (int round = 1; more && round < max_read_rounds; ++round) {
    pollfd ready{PQsocket(conn_.get()), POLLIN, 0};
    more = ::poll(&ready, 1, 0) > 0 && PQconsumeInput(conn_.get()) == 1;
  }
  drain_notifications();
}

result<pg_rows> pg_db::checked(pg_result* raw, std::string_view what) {
  std::unique_ptr<pg_result, pg_rows::clearer> owned(raw);
  drain_notifications();
  const auto status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return pg_rows(std::move(owned));
  return failure(what, raw);
}

result<void> pg_db::ensure_connected() {
  if (!conn_) return make_error(errc::internal_error, "PostgreSQL connection used after a move");
  // Notices a server that hung up while we were idle (a restart), so the call below need not fail.
  read_available();
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    if (in_transaction_) {
      return make_error(errc::unavailable,
                        "lost the connection to PostgreSQL at " + target() + " in a transaction");
    }
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      return make_error(errc::unavailable,
                        "cannot reconnect to PostgreSQL at " + target() + ": " +
                            clean_message(PQerrorMessage(conn_.get()), PQpass(conn_.get())));
    }
    reconnected_ = true;
    needs_setup_ = true;
  }
  if (!needs_setup_) return boost::outcome_v2::success();
  for (const auto& sql : session_setup_) {
    auto done = checked(PQexec(conn_.get(), sql.c_str()), "session setup");
    if (!done) return done.error();
  }
  needs_setup_ = false;
  return boost::outcome_v2::success();
}

result<pg_rows> pg_db::exec(std::string_view sql, std::span<const std::string> params) {
  if (auto ready = ensure_connected(); !ready) return ready.error();
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param.c_str());
  const std::string text(sql);
  return checked(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0),
                 "query");
}

result<void> pg_db::exec_script(const std::string& sql) {
  if (auto ready = ensure_connected(); !ready) return ready.error();
  auto done = checked(PQexec(conn_.get(), sql.c_str()), "script");
  if (!done) return done.error();
  return boost::outcome_v2::success();
}

result<pg_transaction> pg_db::begin() {
  if (in_transaction_) return make_error(errc::internal_error, "PostgreSQL: nested transaction");
  if (auto begun = exec("BEGIN"); !begun) return begun.error();
  in_transaction_ = true;
  return pg_transaction(*this);
}

result<void> pg_db::add_session_setup(std::string sql) {
  if (auto ready = ensure_connected(); !ready) return ready.error();
  auto done = checked(PQexec(conn_.get(), sql.c_str()), "session setup");
  if (!done) return done.error();
  session_setup_.push_back(std::move(sql));
  return boost::outcome_v2::success();
}

result<int> pg_db::take_notifications() {
  // Reads what the server sent (ensure_connected does, without waiting) and no more.
  if (auto ready = ensure_connected(); !ready) return ready.error();
  return std::exchange(notifications_, 0);
}

bool pg_db::take_reconnected() noexcept { return std::exchange(reconnected_, false); }

pg_transaction::~pg_transaction() {
  if (db_ == nullptr) return;
  db_->in_transaction_ = false;
  // A lost session took its transaction with it; a live one must not be left inside it.
  if (PQstatus(db_->conn_.get()) == CONNECTION_OK) PQclear(PQexec(db_->conn_.get(), "ROLLBACK"));
}

result<void> pg_transaction::commit() {
  if (db_ == nullptr) return make_error(errc::internal_error, "PostgreSQL: transaction ended");
  pg_db& db = *std::exchange(db_, nullptr);
  auto done = db.exec("COMMIT");
  db.in_transaction_ = false;
  if (!done) return done.error();
  // COMMIT of a transaction a failed statement aborted answers ROLLBACK, not an error.
  if (done.value().command() != "COMMIT") {
    return make_error(errc::internal_error, "PostgreSQL: the transaction was rolled back");
  }
  return boost::outcome_v2::success();
}

}  // namespace qgate::catalog
