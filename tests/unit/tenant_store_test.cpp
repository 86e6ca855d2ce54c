#include "catalog/tenant_store.hpp"
#include "actors/catalog_actor.hpp"
#include "catalog/api_keys.hpp"
#include "catalog/model_store.hpp"
#include "http/query.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace qgate;

TEST(api_keys, random_url_safe_and_hashed) {
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    auto key = catalog::generate_api_key();
    ASSERT_TRUE(key.has_value());
    EXPECT_TRUE(key.value().starts_with("qg-"));
    EXPECT_EQ(key.value().size(), 3u + 43u);  // 32 bytes in unpadded base64url
    EXPECT_EQ(key.value().find_first_not_of(
                  "qg-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"),
              std::string::npos);
    keys.insert(key.value());
  }
  EXPECT_EQ(keys.size(), 50u);
  EXPECT_EQ(catalog::hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(tenant_store, lifecycle_and_usage) {
  auto models = catalog::model_store::open(":memory:", "");
  ASSERT_TRUE(models.has_value());
  catalog::tenant_store store(models.value().database());
  auto key = store.add("team-a", {60, 1000, 2}, {"qwen-turbo", "qwen-plus"});
  ASSERT_TRUE(key.has_value());
  EXPECT_FALSE(store.add("team-a", {}, {}).has_value()) << "names are unique";
  auto listed = store.list().value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key_hash, catalog::hash_api_key(key.value()));
  EXPECT_EQ(listed[0].info.key_prefix, key.value().substr(0, 10));
  EXPECT_EQ(listed[0].info.models, (std::vector<std::string>{"qwen-turbo", "qwen-plus"}));
  EXPECT_EQ(listed[0].info.limits.tpm, 1000);

  ASSERT_TRUE(store.set_limits("team-a", {5, 6, 7}).has_value());
  ASSERT_TRUE(store.set_enabled("team-a", false).has_value());
  EXPECT_FALSE(store.set_enabled("nobody", false).has_value());
  auto rotated = store.rotate_key("team-a");
  ASSERT_TRUE(rotated.has_value());
  EXPECT_NE(rotated.value(), key.value());
  listed = store.list().value();
  EXPECT_FALSE(listed[0].info.enabled);
  EXPECT_EQ(listed[0].info.limits.max_streams, 7);
  EXPECT_EQ(listed[0].key_hash, catalog::hash_api_key(rotated.value()));

  const std::vector<usage_record> rows = {
      {"2026-01-01T10:00:00", "team-a", "qwen-turbo", true, 200, 1, 2, 3, 10, "r1"},
      {"2026-01-01T23:59:59", "team-a", "qwen-turbo", false, 499, 4, 5, 9, 10, "r2"},
      {"2026-01-02T00:00:00", "team-a", "qwen-plus", false, 200, 1, 1, 2, 10, "r3"},
      {"2026-01-02T00:00:00", "team-b", "qwen-plus", false, 200, 1, 1, 2, 10, "r4"}};
  ASSERT_TRUE(store.record_usage(rows).has_value());
  auto totals = store.usage_totals("team-a", "2026-01-01", "2026-01-02").value();
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].day, "2026-01-01");
  EXPECT_EQ(totals[0].requests, 2);
  EXPECT_EQ(totals[0].total_tokens, 12);
  EXPECT_EQ(totals[1].model, "qwen-plus");
  EXPECT_EQ(store.usage_totals("team-a", "2026-01-01", "2026-01-01").value().size(), 1u);
}

// The daily totals a usage query reads are added by the writer, batch by batch (the second batch
// lands on days and models the first already counted): they must equal the rows, summed.
TEST(tenant_store, daily_totals_equal_the_ledger_rows_summed) {
  auto models = catalog::model_store::open(":memory:", "");
  ASSERT_TRUE(models);
  catalog::tenant_store store(models.value().database());
  std::vector<usage_record> rows;
  for (int i = 0; i < 500; ++i) {
    const std::string day = "2026-02-0" + std::to_string(1 + i % 3);
    rows.push_back({day + "T0" + std::to_string(i % 10) + ":00:00", i % 4 ? "a" : "b",
                    i % 5 ? "qwen-turbo" : "qwen-max", i % 2 == 0, 200, i, 2 * i, 3 * i, 1,
                    "r" + std::to_string(i)});
  }
  const std::vector<usage_record> first(rows.begin(), rows.begin() + 200);
  const std::vector<usage_record> second(rows.begin() + 200, rows.end());
  ASSERT_TRUE(store.record_usage(first));
  ASSERT_TRUE(store.record_usage(second));
  for (const std::string tenant : {"a", "b"}) {
    auto sums = models.value().database().prepare(
        "SELECT substr(ts, 1, 10), model, count(*), sum(input_tokens), sum(output_tokens), "
        "sum(total_tokens) FROM usage WHERE tenant = ?1 GROUP BY 1, 2 ORDER BY 1, 2");
    ASSERT_TRUE(sums);
    sums.value().bind(1, tenant);
    const auto totals = store.usage_totals(tenant, "2026-02-01", "2026-02-03").value();
    std::size_t at = 0;
    while (sums.value().step()) {
      ASSERT_LT(at, totals.size());
      EXPECT_EQ(totals[at].day, sums.value().text(0));
      EXPECT_EQ(totals[at].model, sums.value().text(1));
      EXPECT_EQ(totals[at].requests, sums.value().integer(2));
      EXPECT_EQ(totals[at].input_tokens, sums.value().integer(3));
      EXPECT_EQ(totals[at].output_tokens, sums.value().integer(4));
      EXPECT_EQ(totals[at].total_tokens, sums.value().integer(5));
      ++at;
    }
    EXPECT_EQ(at, totals.size());
    EXPECT_EQ(at, 6u);  // 3 days × 2 models
  }
}

TEST(authenticate, every_401_case_and_open_mode) {
  std::unordered_map<std::string, tenant_info> tenants;
  EXPECT_EQ(actors::authenticate(tenants, "").value().name, "anonymous") << "open mode";
  tenant_info enabled;
  enabled.name = "on";
  tenant_info disabled;
  disabled.name = "off";
  disabled.enabled = false;
  tenants.emplace(catalog::hash_api_key("qg-on"), enabled);
  tenants.emplace(catalog::hash_api_key("qg-off"), disabled);
  EXPECT_EQ(actors::authenticate(tenants, "qg-on").value().name, "on");
  for (const char* key : {"", "qg-unknown", "qg-off", "QG-ON"}) {
    auto result = actors::authenticate(tenants, key);
    ASSERT_FALSE(result.has_value()) << key;
    EXPECT_EQ(result.error().code, errc::unauthorized);
  }
}

TEST(query, day_ranges) {
  auto range = http::parse_day_range("/api/llm/usage?from=2026-02-01&to=2026-02-28");
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range.value().to, "2026-02-28");
  EXPECT_EQ(http::parse_day_range("/u?from=2026-02-01").value().to, "2026-02-01");
  for (const char* bad : {"/u", "/u?from=2026-02-30", "/u?from=2026-2-1",
                          "/u?from=2026-02-02&to=2026-02-01", "/u?from=2026-02-01&to=x"}) {
    auto failed = http::parse_day_range(bad);
    ASSERT_FALSE(failed.has_value()) << bad;
    EXPECT_EQ(failed.error().code, errc::invalid_params);
  }
}

// The loader reloads only when this counter moves: ledger writes must leave it alone, or every
// instance re-reads its catalog once a second under traffic.
TEST(catalog_version, moves_for_models_and_tenants_but_not_for_usage_rows) {
  auto store = catalog::model_store::open(":memory:", "");
  ASSERT_TRUE(store) << store.error().detail;
  auto& models = store.value();
  catalog::tenant_store tenants(models.database());
  const auto version = [&] {
    auto v = models.catalog_version();
    EXPECT_TRUE(v) << v.error().detail;
    return v ? v.value() : -1;
  };
  const auto start = version();
  usage_record row{"2026-12-01T00:00:00", "t", "qwen-turbo", false, 200, 1, 2, 3, 4, "r"};
  ASSERT_TRUE(tenants.record_usage({row, row}));
  EXPECT_EQ(version(), start);

  ASSERT_TRUE(tenants.add("t", {}, {}));
  const auto added = version();
  EXPECT_GT(added, start);
  ASSERT_TRUE(tenants.set_limits("t", {5, 0, 0}));
  EXPECT_GT(version(), added);
  const auto limited = version();
  ASSERT_TRUE(tenants.rotate_key("t"));
  EXPECT_GT(version(), limited);
  const auto rotated = version();
  model_info model;
  model.id = 42;
  model.title = "qwen-new";
  ASSERT_TRUE(models.insert(model));
  EXPECT_GT(version(), rotated);
  const auto inserted = version();
  ASSERT_TRUE(tenants.record_usage({row}));
  EXPECT_EQ(version(), inserted);
  auto usage = tenants.usage_totals("t", "2026-12-01", "2026-12-01");
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage.value().size(), 1u);
}

}  // namespace
