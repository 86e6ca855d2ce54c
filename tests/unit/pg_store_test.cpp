// The PostgreSQL catalog store against a real PostgreSQL 15 (one cluster per test binary, one
// fresh database per test): migrations, seeding, tenants, the ledger, notifications, reconnects.
#include "catalog/pg_store.hpp"
#include "catalog/api_keys.hpp"
#include "catalog/model_store.hpp"
#include "catalog/pg_migrations.hpp"
#include "tests/support/engines.hpp"
#include "tests/unit/tenant_admin_suite.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <thread>
#include <tuple>

namespace {

using namespace qgate;
using namespace std::chrono_literals;

const std::string seed_path = std::string(QGATE_SOURCE_DIR) + "/config/models.json";

class pg_store_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = std::make_unique<qgate::testing::postgres_cluster>(); }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(cluster_->ok()) << "PostgreSQL 15 did not start";
    url_ = cluster_->create_database();
    ASSERT_FALSE(url_.empty());
  }

  std::unique_ptr<catalog::store> open(const std::string& seed = "") {
    auto opened = catalog::open_pg_store(url_, seed);
    EXPECT_TRUE(opened) << opened.error().detail;
    return opened ? std::move(opened).value() : nullptr;
  }

  std::int64_t count(const std::string& sql) {
    auto db = catalog::pg_db::connect(url_);
    if (!db) return -1;
    auto rows = db.value().exec(sql);
    return rows ? rows.value().integer(0, 0) : -1;
  }

  static std::size_t seed_size() {
    std::ifstream in(seed_path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return catalog::parse_model_seed(text).value().size();
  }

  static inline std::unique_ptr<qgate::testing::postgres_cluster> cluster_;
  std::string url_;
};

// Polls as the catalog loader does; a notification crosses two backends and a socket.
bool changed_within(catalog::store& store, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto changed = store.catalog_changed();
    if (!changed || changed.value()) return changed.has_value();
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::vector<usage_record> usage_rows(int n, const std::string& tenant, int salt) {
  std::vector<usage_record> rows;
  for (int i = 0; i < n; ++i) {
    const std::string day = "2026-03-0" + std::to_string(1 + (i + salt) % 3);
    rows.push_back({day + "T12:00:00", tenant, (i + salt) % 4 ? "qwen-turbo" : "qwen-max",
                    i % 2 == 0, 200, i, 2 * i, 3 * i, 5, "r" + std::to_string(i)});
  }
  return rows;
}

using day_model = std::pair<std::string, std::string>;
void add_to(std::map<day_model, usage_total>& sums, const std::vector<usage_record>& rows) {
  for (const auto& r : rows) {
    auto& sum = sums[{r.time.substr(0, 10), r.model}];
    sum = {r.time.substr(0, 10),
           r.model,
           sum.requests + 1,
           sum.input_tokens + r.input_tokens,
           sum.output_tokens + r.output_tokens,
           sum.total_tokens + r.total_tokens};
  }
}

void expect_totals(const std::vector<usage_total>& totals,
                   const std::map<day_model, usage_total>& sums) {
  ASSERT_EQ(totals.size(), sums.size());
  auto expected = sums.begin();
  for (const auto& total : totals) {
    const auto& want = (expected++)->second;
    EXPECT_EQ(std::tie(total.day, total.model, total.requests, total.input_tokens,
                       total.output_tokens, total.total_tokens),
              std::tie(want.day, want.model, want.requests, want.input_tokens, want.output_tokens,
                       want.total_tokens));
  }
}

TEST(pg_values_list, numbers_every_placeholder) {
  const std::array<std::string_view, 2> columns = {"%", "coalesce(%::text, '')"};
  EXPECT_EQ(catalog::pg_values_list(2, columns),
            "($1, coalesce($2::text, '')), ($3, coalesce($4::text, ''))");
}

TEST_F(pg_store_test, parameters_travel_apart_from_the_statement) {
  auto db = catalog::pg_db::connect(url_);
  ASSERT_TRUE(db) << db.error().detail;
  const std::array<std::string, 1> hostile = {"'; SELECT 1; --\\ ✓"};
  auto echoed = db.value().exec("SELECT $1::text", hostile);
  ASSERT_TRUE(echoed) << echoed.error().detail;
  EXPECT_EQ(echoed.value().text(0, 0), hostile[0]);
  auto stacked = db.value().exec("SELECT 1; SELECT 2");
  ASSERT_FALSE(stacked) << "one statement per exec";
  EXPECT_EQ(stacked.error().code, errc::internal_error);
}

TEST_F(pg_store_test, open_migrates_and_seeds_once) {
  auto store = open(seed_path);
  ASSERT_TRUE(store);
  auto models = store->list_models().value();
  ASSERT_EQ(models.size(), seed_size());
  EXPECT_EQ(models[0].id, 1);
  EXPECT_EQ(models[0].title, "qwen-turbo");
  EXPECT_EQ(models[0].name, "通义千问-Turbo");
  EXPECT_TRUE(models[0].is_featured);
  EXPECT_EQ(models[0].created_at, "2025-01-01T00:00:00");
  EXPECT_EQ(count("SELECT max(version) FROM qgate_schema"), catalog::pg_latest_schema_version());

  store.reset();
  ASSERT_TRUE(open(seed_path));
  EXPECT_EQ(count("SELECT count(*) FROM models"), static_cast<std::int64_t>(seed_size()));
  EXPECT_EQ(count("SELECT count(*) FROM qgate_schema"), catalog::pg_latest_schema_version());

  // Timestamps the writer leaves out take the spec's form, in UTC.
  ASSERT_EQ(count("WITH i AS (INSERT INTO models (id, title) VALUES (99, 'x') RETURNING 1) "
                  "SELECT count(*) FROM i"),
            1);
  const auto last = open()->list_models().value().back();
  EXPECT_EQ(last.created_at.size(), 19u);
  EXPECT_EQ(last.created_at[10], 'T');
}

TEST_F(pg_store_test, an_empty_seed_path_seeds_nothing) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->list_models().value().empty());
}

TEST_F(pg_store_test, instances_starting_together_all_succeed_and_seed_once) {
  constexpr int instances = 4;
  std::latch start(instances);
  std::array<result<std::unique_ptr<catalog::store>>, instances> opened = {
      make_error(errc::internal_error), make_error(errc::internal_error),
      make_error(errc::internal_error), make_error(errc::internal_error)};
  std::vector<std::thread> threads;
  for (int i = 0; i < instances; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      opened[static_cast<std::size_t>(i)] = catalog::open_pg_store(url_, seed_path);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& store : opened) ASSERT_TRUE(store) << store.error().detail;
  EXPECT_EQ(count("SELECT count(*) FROM models"), static_cast<std::int64_t>(seed_size()));
  EXPECT_EQ(count("SELECT count(*) FROM qgate_schema"), catalog::pg_latest_schema_version());
}

TEST_F(pg_store_test, a_newer_schema_is_refused) {
  ASSERT_TRUE(open());
  const auto newer = std::to_string(catalog::pg_latest_schema_version() + 1);
  ASSERT_EQ(count("WITH i AS (INSERT INTO qgate_schema VALUES (" + newer +
                  ") RETURNING 1) SELECT count(*) FROM i"),
            1);
  auto refused = catalog::open_pg_store(url_, seed_path);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("newer"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(count("SELECT count(*) FROM models"), 0) << "nothing seeded";
}

TEST_F(pg_store_test, tenant_lifecycle) {
  auto store = open();
  auto key = store->add_tenant("team-a", {60, 1000, 2}, {"qwen-turbo", "qwen-plus"});
  ASSERT_TRUE(key) << key.error().detail;
  EXPECT_TRUE(key.value().starts_with("qg-"));
  auto duplicate = store->add_tenant("team-a", {}, {});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, errc::conflict);
  EXPECT_EQ(duplicate.error().detail, "a tenant named team-a already exists");
  auto listed = store->list_tenants().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].info.name, "team-a");
  EXPECT_EQ(listed[0].key_hash, catalog::hash_api_key(key.value()));
  EXPECT_EQ(listed[0].info.key_prefix, catalog::visible_prefix(key.value()));
  EXPECT_TRUE(listed[0].info.enabled);
  EXPECT_EQ(listed[0].info.models, (std::vector<std::string>{"qwen-turbo", "qwen-plus"}));
  EXPECT_EQ(listed[0].info.limits.tpm, 1000);
  EXPECT_EQ(listed[0].created_at.size(), 19u);

  ASSERT_TRUE(store->set_enabled("team-a", false));
  EXPECT_FALSE(store->list_tenants().value()[0].info.enabled);
  ASSERT_TRUE(store->set_enabled("team-a", true));
  EXPECT_TRUE(store->list_tenants().value()[0].info.enabled);
  ASSERT_TRUE(store->set_limits("team-a", {5, 6, 7}));
  const auto limits = store->list_tenants().value()[0].info.limits;
  EXPECT_EQ(std::tie(limits.rpm, limits.tpm, limits.max_streams), std::make_tuple(5, 6, 7));

  auto rotated = store->rotate_key("team-a");
  ASSERT_TRUE(rotated);
  EXPECT_NE(rotated.value(), key.value());
  EXPECT_EQ(store->list_tenants().value()[0].key_hash, catalog::hash_api_key(rotated.value()));
  EXPECT_EQ(count("SELECT count(*) FROM tenants WHERE key_hash = '" +
                  catalog::hash_api_key(key.value()) + "'"),
            0);
}

TEST_F(pg_store_test, unknown_tenants_are_not_found) {
  auto store = open();
  for (auto failed : {store->set_enabled("ghost", true), store->set_limits("ghost", {1, 2, 3})}) {
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, errc::not_found);
    EXPECT_EQ(failed.error().detail, "no tenant named ghost");
  }
  auto rotated = store->rotate_key("ghost");
  ASSERT_FALSE(rotated);
  EXPECT_EQ(rotated.error().code, errc::not_found);
}

// What the admin API and the CLI need, as SQLite answers it (admin_store_test).
TEST_F(pg_store_test, administers_tenants_like_sqlite) {
  auto store = open();
  qgate::testing::expect_store_administers_tenants(*store);
}

// 2500 rows span three INSERT statements: one transaction, totals from the daily table.
TEST_F(pg_store_test, usage_totals_equal_the_rows_summed) {
  auto store = open();
  const auto rows = usage_rows(2500, "a", 0);
  ASSERT_TRUE(store->record_usage(rows));
  ASSERT_TRUE(store->record_usage(usage_rows(10, "b", 1)));
  std::map<day_model, usage_total> sums;
  add_to(sums, rows);
  expect_totals(store->usage_totals("a", "2026-03-01", "2026-03-03").value(), sums);
  EXPECT_EQ(count("SELECT count(*) FROM usage"), 2510);
  EXPECT_EQ(store->usage_totals("a", "2026-03-02", "2026-03-02").value().size(), 2u);
  EXPECT_TRUE(store->usage_totals("nobody", "2026-03-01", "2026-03-03").value().empty());

  // All or nothing: a row the server refuses in the third statement takes the batch with it.
  auto db = catalog::pg_db::connect(url_);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db.value().exec("ALTER TABLE usage ADD CHECK (latency_ms >= 0)"));
  auto refused = usage_rows(2500, "a", 0);
  refused.back().latency_ms = -1;
  EXPECT_FALSE(store->record_usage(refused));
  expect_totals(store->usage_totals("a", "2026-03-01", "2026-03-03").value(), sums);
  EXPECT_EQ(count("SELECT count(*) FROM usage"), 2510);
}

// Two instances writing the same days at once, each batch over two INSERT statements whose days
// come in opposite orders: none deadlocks (rows are sent sorted), the totals add up.
TEST_F(pg_store_test, totals_from_two_instances_add_up) {
  auto first = open();
  auto second = open();
  std::map<day_model, usage_total> sums;
  std::vector<std::vector<usage_record>> batches[2];
  for (int i = 0; i < 6; ++i) {
    for (int s = 0; s < 2; ++s) {
      auto rows = usage_rows(1500, "shared", i + s);
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const bool early = (r < catalog::pg_usage_rows_per_statement) == (s == 0);
        rows[r].time = early ? "2026-03-01T00:00:00" : "2026-03-02T00:00:00";
      }
      add_to(sums, rows);
      batches[s].push_back(std::move(rows));
    }
  }
  std::latch start(2);
  std::array<std::string, 2> failures;
  std::vector<std::thread> writers;
  for (int s = 0; s < 2; ++s) {
    writers.emplace_back([&, s] {
      auto& store = s == 0 ? *first : *second;
      start.arrive_and_wait();
      for (const auto& batch : batches[s]) {
        if (auto done = store.record_usage(batch); !done) {
          failures[static_cast<std::size_t>(s)] = done.error().detail;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(failures[0] + failures[1], "");
  expect_totals(first->usage_totals("shared", "2026-03-01", "2026-03-03").value(), sums);
  expect_totals(second->usage_totals("shared", "2026-03-01", "2026-03-03").value(), sums);
}

TEST_F(pg_store_test, catalog_changes_are_pushed_to_every_instance) {
  auto watcher = open(seed_path);
  auto writer = open(seed_path);
  EXPECT_FALSE(watcher->catalog_changed().value()) << "idle, and its own seed is no change";
  ASSERT_TRUE(writer->add_tenant("t", {}, {}));
  EXPECT_TRUE(changed_within(*watcher, 2s));
  EXPECT_FALSE(watcher->catalog_changed().value());

  ASSERT_TRUE(writer->record_usage(usage_rows(5, "t", 0)));
  ASSERT_TRUE(watcher->list_models());  // a round trip, in which a notification would arrive
  EXPECT_FALSE(watcher->catalog_changed().value()) << "usage rows are no catalog change";

  ASSERT_EQ(count("WITH u AS (UPDATE models SET tag1 = 'new' WHERE id = 1 RETURNING 1) "
                  "SELECT count(*) FROM u"),
            1);
  EXPECT_TRUE(changed_within(*watcher, 2s));
  EXPECT_FALSE(watcher->catalog_changed().value());
}

TEST_F(pg_store_test, a_restarted_server_is_reconnected_and_reported_as_a_change) {
  auto watcher = open();
  auto writer = open();
  EXPECT_FALSE(watcher->catalog_changed().value());
  cluster_->stop();
  auto down = watcher->catalog_changed();
  auto listed = writer->list_tenants();
  ASSERT_TRUE(cluster_->start());  // before any assertion can end the test: the next ones need it
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, errc::unavailable);
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, errc::unavailable) << listed.error().detail;

  EXPECT_TRUE(watcher->catalog_changed().value()) << "notifications may have been missed";
  EXPECT_FALSE(watcher->catalog_changed().value());
  auto added = writer->add_tenant("after-restart", {}, {});
  ASSERT_TRUE(added) << added.error().detail;
  EXPECT_TRUE(changed_within(*watcher, 2s)) << "LISTEN is renewed on the new session";
  EXPECT_FALSE(watcher->catalog_changed().value());
}

TEST_F(pg_store_test, errors_never_show_the_password) {
  const std::string secret = "s3cret-pw";
  const auto port = std::to_string(qgate::testing::free_port());
  for (const auto& url :
       {"postgresql://postgres:" + secret + "@127.0.0.1:" + port + "/db",
        "postgresql://postgres:" + secret + "@[::1/db",
        "postgresql://postgres:" + secret + "@127.0.0.1:" + port + "/db?sslmode=bogus"}) {
    auto failed = catalog::open_pg_store(url, "");
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().detail.find(secret), std::string::npos) << failed.error().detail;
  }
  auto refused = catalog::open_pg_store(
      "postgresql://postgres:" + secret + "@127.0.0.1:" + port + "/db?connect_timeout=2", "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::unavailable);
  EXPECT_NE(refused.error().detail.find("127.0.0.1:" + port + "/db"), std::string::npos)
      << refused.error().detail;
}

TEST_F(pg_store_test, hostile_strings_round_trip) {
  const std::string seed = (std::filesystem::path(::testing::TempDir()) / "hostile.json").string();
  std::ofstream(seed) << R"([{"id": 7, "title": "it's \"q\" \\ 模型 $1 %", "type": 0,
                             "description": "'); DROP TABLE models; --"}])";
  auto store = open(seed);
  const auto models = store->list_models().value();
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].title, "it's \"q\" \\ 模型 $1 %");
  EXPECT_EQ(models[0].description, "'); DROP TABLE models; --");

  const std::string name = "o'brien \"x\" back\\slash; DROP TABLE tenants; -- ✓ テナント";
  const std::vector<std::string> allowed = {"qwen'turbo", "a\\b", "模型 🚀"};
  ASSERT_TRUE(store->add_tenant(name, {1, 2, 3}, allowed));
  ASSERT_TRUE(store->set_limits(name, {4, 5, 6}));
  const auto tenants = store->list_tenants().value();
  ASSERT_EQ(tenants.size(), 1u);
  EXPECT_EQ(tenants[0].info.name, name);
  EXPECT_EQ(tenants[0].info.models, allowed);
  EXPECT_EQ(tenants[0].info.limits.max_streams, 6);

  std::vector<usage_record> rows = {
      {"2026-04-01T00:00:00", name, allowed[2], true, 200, 1, 2, 3, 4, "req'\"\\"}};
  ASSERT_TRUE(store->record_usage(rows));
  const auto totals = store->usage_totals(name, "2026-04-01", "2026-04-01").value();
  ASSERT_EQ(totals.size(), 1u);
  EXPECT_EQ(totals[0].model, allowed[2]);
}

}  // namespace
