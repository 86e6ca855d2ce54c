#include "catalog/model_store.hpp"
#include "catalog/migrations.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate;
using qgate::catalog::model_store;

const std::string seed_path = std::string(QGATE_SOURCE_DIR) + "/config/models.json";

TEST(model_store, migrates_and_seeds_a_new_database) {
  auto store = model_store::open(":memory:", seed_path);
  ASSERT_TRUE(store.has_value()) << store.error().detail;
  auto models = store.value().list_models();
  ASSERT_TRUE(models.has_value());
  ASSERT_GE(models.value().size(), 5u);
  const auto& turbo = models.value()[0];
  EXPECT_EQ(turbo.id, 1);
  EXPECT_EQ(turbo.title, "qwen-turbo");
  EXPECT_EQ(turbo.type, 0);
  EXPECT_TRUE(turbo.is_featured);
  EXPECT_EQ(turbo.created_at, "2025-01-01T00:00:00");
  int other_types = 0;
  for (const auto& model : models.value()) other_types += model.type != 0;
  EXPECT_GE(other_types, 2);
  auto again = catalog::migrate(store.value().database());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again.value(), catalog::latest_schema_version());
}

TEST(model_store, rows_come_back_ordered_with_normalized_timestamps) {
  auto store = model_store::open(":memory:", "");
  ASSERT_TRUE(store.has_value());
  model_info late;
  late.id = 9;
  late.title = "z";
  late.created_at = "2025-03-04 05:06:07.123";
  model_info early;
  early.id = 2;
  early.title = "a\xff";
  early.is_featured = true;
  ASSERT_TRUE(store.value().insert(late).has_value());
  ASSERT_TRUE(store.value().insert(early).has_value());
  auto models = store.value().list_models().value();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].id, 2);
  EXPECT_EQ(models[0].title, "a\xff");
  EXPECT_EQ(models[1].created_at, "2025-03-04T05:06:07");
  EXPECT_EQ(models[0].updated_at.size(), 19u);
  EXPECT_FALSE(store.value().insert(late).has_value()) << "id and title are unique";
}

TEST(model_store, seed_errors_are_values) {
  EXPECT_FALSE(catalog::parse_model_seed("{}").has_value());
  EXPECT_FALSE(catalog::parse_model_seed(R"([{"title":"x","type":0}])").has_value());
  EXPECT_FALSE(catalog::parse_model_seed(R"([{"id":1,"title":"x","type":"0"}])").has_value());
  EXPECT_FALSE(
      catalog::parse_model_seed(R"([{"id":1,"title":"x","type":0,"is_featured":1}])").has_value());
  EXPECT_TRUE(catalog::parse_model_seed(R"([{"id":1,"title":"x","type":0}])").has_value());
  EXPECT_FALSE(model_store::open(":memory:", "/nonexistent/models.json").has_value());
}

TEST(model_store, normalize_timestamp) {
  EXPECT_EQ(catalog::normalize_timestamp("2025-01-01 00:00:00"), "2025-01-01T00:00:00");
  EXPECT_EQ(catalog::normalize_timestamp("2025-01-01T00:00:00Z"), "2025-01-01T00:00:00");
  EXPECT_EQ(catalog::normalize_timestamp("yesterday"), "yesterday");
}

}  // namespace
