// What the admin API and `qgate tenant` need of a catalog store, as one suite that every engine
// passes (SQLite in admin_store_test, PostgreSQL in pg_store_test): the same answers and the same
// errors, whichever engine holds the tenants.
#pragma once

#include "catalog/store.hpp"

#include <gtest/gtest.h>

#include <tuple>

namespace qgate::testing {

inline void expect_store_administers_tenants(catalog::store& store) {
  const std::string name = "o'brien \"x\" back\\slash; -- ✓ テナント";
  auto key = store.add_tenant(name, {1, 2, 3}, {"qwen-turbo", "模型 🚀"});
  ASSERT_TRUE(key) << key.error().detail;

  // A name taken: CONFLICT, naming it; bad input: INVALID_PARAMS naming the field.
  auto duplicate = store.add_tenant(name, {}, {});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, errc::conflict);
  EXPECT_EQ(duplicate.error().detail, "a tenant named " + name + " already exists");
  for (auto refused :
       {store.add_tenant("", {}, {}), store.add_tenant("a\nb", {}, {}),
        store.add_tenant("ok", {-1, 0, 0}, {}), store.add_tenant("ok", {}, {"a,b"})}) {
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, errc::invalid_params) << refused.error().detail;
  }
  EXPECT_FALSE(store.find_tenant("ok")) << "nothing refused was stored";

  auto found = store.find_tenant(name);
  ASSERT_TRUE(found) << found.error().detail;
  EXPECT_EQ(found.value().info.name, name);
  EXPECT_EQ(found.value().info.models, (std::vector<std::string>{"qwen-turbo", "模型 🚀"}));
  EXPECT_EQ(found.value().created_at.size(), 19u);
  auto missing = store.find_tenant("ghost");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);

  // Only the fields set change.
  tenant_update rpm_only;
  rpm_only.rpm = 60;
  ASSERT_TRUE(store.update_tenant(name, rpm_only));
  auto limits = store.find_tenant(name).value().info.limits;
  EXPECT_EQ(std::tie(limits.rpm, limits.tpm, limits.max_streams), std::make_tuple(60, 2, 3));
  tenant_update rest;
  rest.models = std::vector<std::string>{};
  rest.enabled = false;
  rest.max_streams = 0;
  ASSERT_TRUE(store.update_tenant(name, rest));
  const auto updated = store.find_tenant(name).value().info;
  EXPECT_TRUE(updated.models.empty());
  EXPECT_FALSE(updated.enabled);
  EXPECT_EQ(updated.limits.rpm, 60);
  EXPECT_EQ(updated.limits.max_streams, 0);
  ASSERT_TRUE(store.set_enabled(name, true));
  EXPECT_TRUE(store.find_tenant(name).value().info.enabled);
  auto ghost = store.update_tenant("ghost", rpm_only);
  ASSERT_FALSE(ghost);
  EXPECT_EQ(ghost.error().code, errc::not_found);
  tenant_update negative;
  negative.tpm = -1;
  EXPECT_EQ(store.update_tenant(name, negative).error().code, errc::invalid_params);

  // The billing report: per tenant, day and model, ordered so, one tenant or all.
  ASSERT_TRUE(store.add_tenant("b", {}, {}));
  ASSERT_TRUE(store.record_usage({
      {"2026-05-01T10:00:00", "b", "m2", false, 200, 1, 2, 3, 5, "r1"},
      {"2026-05-01T11:00:00", name, "m1", true, 200, 10, 20, 30, 5, "r2"},
      {"2026-05-01T12:00:00", name, "m1", false, 499, 1, 0, 1, 5, "r3"},
      {"2026-05-02T00:00:00", "b", "m1", false, 200, 4, 4, 8, 5, "r4"},
      {"2026-05-03T00:00:00", "b", "m1", false, 200, 4, 4, 8, 5, "r5"},
  }));
  auto all = store.usage_report("", "2026-05-01", "2026-05-02");
  ASSERT_TRUE(all) << all.error().detail;
  ASSERT_EQ(all.value().size(), 3u);
  EXPECT_EQ(all.value()[0].tenant, "b");
  EXPECT_EQ(all.value()[0].usage.day, "2026-05-01");
  EXPECT_EQ(all.value()[1].usage.day, "2026-05-02");
  EXPECT_EQ(all.value()[2].tenant, name);
  EXPECT_EQ(all.value()[2].usage.requests, 2);
  EXPECT_EQ(all.value()[2].usage.total_tokens, 31);
  auto one = store.usage_report(name, "2026-01-01", "2026-12-31");
  ASSERT_TRUE(one);
  ASSERT_EQ(one.value().size(), 1u);
  EXPECT_EQ(one.value()[0].usage.input_tokens, 11);
  EXPECT_TRUE(store.usage_report("ghost", "2026-01-01", "2026-12-31").value().empty());
}

}  // namespace qgate::testing
