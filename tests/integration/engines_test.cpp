// The engine fixtures the fleet tests stand on: each starts, answers, stops and starts again.
#include "tests/support/engines.hpp"

#include <gtest/gtest.h>

namespace qgate::testing {
namespace {

TEST(engines, redis_server_starts_stops_and_starts_again_on_its_port) {
  redis_server redis;
  ASSERT_TRUE(redis.ok());
  EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0");
  redis.stop();
  EXPECT_TRUE(redis.start());
}

TEST(engines, postgres_cluster_creates_databases_and_survives_a_restart) {
  postgres_cluster postgres;
  ASSERT_TRUE(postgres.ok());
  const auto url = postgres.create_database();
  ASSERT_FALSE(url.empty());
  const auto name = url.substr(url.rfind('/') + 1);
  EXPECT_TRUE(postgres.psql(name, "CREATE TABLE t (x int)"));
  postgres.stop();
  EXPECT_FALSE(postgres.psql(name, "SELECT 1"));
  ASSERT_TRUE(postgres.start());
  EXPECT_TRUE(postgres.psql(name, "INSERT INTO t VALUES (1)"));
  EXPECT_NE(postgres.create_database(), url);
}

}  // namespace
}  // namespace qgate::testing
