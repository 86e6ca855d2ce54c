// A failing ledger database must not hurt serving: while another connection holds the database's
// write lock, chats keep being answered, rows wait in a bounded buffer, and they are written once
// the lock is gone; past the bound (and at shutdown) rows wait in the spill file instead, and only
// a spill file that cannot be written either loses rows (counted and logged).
#include "catalog/sqlite_db.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t ledger_counter(const gateway& qgate, std::string_view name) {
  const auto health = http_request("GET", qgate.url("/healthz"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(health.body).get(root) != simdjson::SUCCESS) return -1;
  std::int64_t value = -1;
  if (root["data"]["ledger"][name].get(value) != simdjson::SUCCESS) return -1;
  return value;
}

std::int64_t stored_rows(catalog::sqlite_db& db) {
  auto count = db.prepare("SELECT count(*) FROM usage");
  if (!count || !count.value().step()) return -1;
  return count.value().integer(0);
}

class ledger_failure : public ::testing::Test {
 protected:
  void start(std::map<std::string, std::string> env) {
    env["QGATE_LIMITS_LEDGER_FLUSH_MS"] = "50";
    gateway_options options;
    options.env = std::move(env);
    qgate_ = std::make_unique<gateway>(upstream_.base_url(), options);
    auto db = catalog::sqlite_db::open((qgate_->directory / "catalog.db").string());
    ASSERT_TRUE(db) << db.error().detail;
    db_.emplace(std::move(db).value());
  }
  // Holds the write lock, as a stuck writer or a full disk would: the ledger's inserts fail.
  void lock() { ASSERT_TRUE(db_->exec("BEGIN EXCLUSIVE")); }
  void unlock() { ASSERT_TRUE(db_->exec("COMMIT")); }
  void chat(int calls) {
    for (int i = 0; i < calls; ++i) {
      const auto answer =
          http_request("POST", qgate_->url("/api/llm/chat"),
                       chat_body("qwen-turbo", "row " + std::to_string(i), i % 2 == 0),
                       {"Content-Type: application/json"});
      ASSERT_EQ(answer.status, 200) << answer.body;
    }
  }

  mock_upstream upstream_;
  std::unique_ptr<gateway> qgate_;
  std::optional<catalog::sqlite_db> db_;
};

TEST_F(ledger_failure, rows_wait_while_the_database_is_locked_and_are_written_after) {
  start({});
  lock();
  chat(40);
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "write_failures") >= 1; }, 10s));
  EXPECT_EQ(ledger_counter(*qgate_, "buffered_rows"), 40);
  EXPECT_EQ(ledger_counter(*qgate_, "written_rows"), 0);
  chat(10);  // still served while the writer keeps failing
  unlock();
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "written_rows") == 50; }, 20s))
      << qgate_->process->output();
  EXPECT_EQ(stored_rows(*db_), 50);
  EXPECT_EQ(ledger_counter(*qgate_, "buffered_rows"), 0);
  EXPECT_EQ(ledger_counter(*qgate_, "dropped_rows"), 0);
  EXPECT_EQ(qgate_->process->terminate(), 0);  // flushes the log
  EXPECT_NE(qgate_->process->output().find("the database takes rows again"), std::string::npos);
}

TEST_F(ledger_failure, past_the_bound_rows_wait_in_the_spill_file_and_are_written_after) {
  start({{"QGATE_LIMITS_LEDGER_MAX_BUFFERED_ROWS", "10"}});
  lock();
  chat(25);
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "spilled_rows") >= 15; }, 10s));
  EXPECT_EQ(ledger_counter(*qgate_, "buffered_rows") + ledger_counter(*qgate_, "spilled_rows"), 25);
  EXPECT_EQ(ledger_counter(*qgate_, "dropped_rows"), 0);
  EXPECT_TRUE(std::filesystem::exists(qgate_->directory / "ledger-spill.jsonl"));
  unlock();
  EXPECT_TRUE(eventually([&] { return stored_rows(*db_) == 25; }, 20s))
      << qgate_->process->output();
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "spilled_rows") == 0; }, 10s));
  EXPECT_EQ(ledger_counter(*qgate_, "written_rows"), 25);
  EXPECT_FALSE(std::filesystem::exists(qgate_->directory / "ledger-spill.jsonl.replaying"));
  // Serving goes on normally once the database is back.
  chat(3);
  EXPECT_TRUE(eventually([&] { return stored_rows(*db_) == 28; }, 10s));
}

TEST_F(ledger_failure, rows_are_lost_only_when_the_spill_file_fails_too_counted_and_logged) {
  start({{"QGATE_LIMITS_LEDGER_MAX_BUFFERED_ROWS", "10"},
         {"QGATE_LIMITS_LEDGER_SPILL_PATH", "/proc/qgate-cannot-write-here/spill.jsonl"}});
  lock();
  chat(25);
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "dropped_rows") >= 15; }, 10s));
  EXPECT_EQ(ledger_counter(*qgate_, "buffered_rows") + ledger_counter(*qgate_, "dropped_rows"), 25);
  unlock();
  EXPECT_TRUE(eventually([&] { return ledger_counter(*qgate_, "buffered_rows") == 0; }, 20s));
  EXPECT_EQ(stored_rows(*db_), 25 - ledger_counter(*qgate_, "dropped_rows"));
  const auto log = qgate_->process->output();
  EXPECT_NE(log.find("rows lost"), std::string::npos) << log;
}

TEST_F(ledger_failure, sigterm_while_the_database_fails_spills_and_the_next_start_writes_them) {
  start({});
  lock();
  chat(12);
  EXPECT_EQ(qgate_->process->terminate(), 0);
  EXPECT_NE(qgate_->process->output().find("rows spilled at shutdown"), std::string::npos)
      << qgate_->process->output();
  unlock();
  EXPECT_EQ(stored_rows(*db_), 0);
  gateway_options again;
  again.directory = qgate_->directory;
  gateway restarted(upstream_.base_url(), again);
  EXPECT_TRUE(eventually([&] { return stored_rows(*db_) == 12; }, 10s))
      << restarted.process->output();
  EXPECT_FALSE(std::filesystem::exists(qgate_->directory / "ledger-spill.jsonl"));
}

}  // namespace
}  // namespace qgate::testing
