// The admin API's store calls over SQLite (the PostgreSQL store runs the same suite in
// pg_store_test), and the admin key comparison.
#include "actors/admin_gate.hpp"
#include "catalog/api_keys.hpp"
#include "tests/unit/tenant_admin_suite.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;

TEST(admin_store, sqlite_administers_tenants) {
  auto store = catalog::open_store({":memory:", "", ""});
  ASSERT_TRUE(store) << store.error().detail;
  qgate::testing::expect_store_administers_tenants(*store.value());
}

TEST(admin_key, compared_by_digest) {
  const std::string key = "admin-secret-0123456789";
  const auto digest = catalog::hash_api_key(key);
  EXPECT_TRUE(actors::same_secret(key, digest));
  EXPECT_FALSE(actors::same_secret(key + "x", digest));
  EXPECT_FALSE(actors::same_secret("", digest));
  EXPECT_FALSE(actors::same_secret("admin-secret-0123456788", digest));
  EXPECT_FALSE(actors::same_secret("", "")) << "no admin key matches nothing";
  EXPECT_FALSE(actors::same_secret(key, ""));
}

}  // namespace
