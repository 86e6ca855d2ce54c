// The docs assets: mapped npm files, the copied OpenAPI document, empty and missing files.
#include "http/static_assets.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using qgate::http::static_assets;

void write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

struct asset_tree {
  asset_tree() : root(fs::temp_directory_path() / ("qgate-assets-" + std::to_string(getpid()))) {
    fs::remove_all(root);
    write(root / "openapi.json", R"({"openapi":"3.1.0"})");
    write(root / "npm/swagger-ui-dist/swagger-ui.css", "body{}");
    write(root / "npm/swagger-ui-dist/swagger-ui-bundle.js", "bundle();");
    write(root / "npm/swagger-ui-dist/swagger-ui-standalone-preset.js", "");  // empty is fine
    write(root / "npm/swagger-ui-dist/favicon-32x32.png", std::string("\x89PNG\0\x01", 6));
    write(root / "npm/redoc/bundles/redoc.standalone.js", "redoc();");
  }
  ~asset_tree() { fs::remove_all(root); }
  std::string npm() const { return (root / "npm").string(); }
  std::string openapi() const { return (root / "openapi.json").string(); }
  fs::path root;
};

TEST(static_assets, serves_files_pages_and_the_document) {
  asset_tree tree;
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  ASSERT_TRUE(loaded) << loaded.error().detail;
  const auto& assets = *loaded.value();
  ASSERT_NE(assets.find("/openapi.json"), nullptr);
  EXPECT_EQ(assets.find("/openapi.json")->body, R"({"openapi":"3.1.0"})");
  EXPECT_EQ(assets.find("/docs/assets/swagger-ui.css")->body, "body{}");
  EXPECT_EQ(assets.find("/docs/assets/favicon-32x32.png")->body, std::string("\x89PNG\0\x01", 6));
  EXPECT_EQ(assets.find("/docs/assets/favicon-32x32.png")->content_type, "image/png");
  EXPECT_EQ(assets.find("/docs/assets/swagger-ui-standalone-preset.js")->body, "");
  EXPECT_NE(assets.find("/docs")->body.find("swagger-ui-bundle.js"), std::string_view::npos);
  EXPECT_NE(assets.find("/redoc")->body.find("redoc.standalone.js"), std::string_view::npos);
  EXPECT_EQ(assets.find("/nope"), nullptr);
}

TEST(static_assets, the_document_is_a_copy_that_survives_an_edit_in_place) {
  asset_tree tree;
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  ASSERT_TRUE(loaded) << loaded.error().detail;
  write(tree.root / "openapi.json", "");  // truncated in place, as `cp` or an editor would
  EXPECT_EQ(loaded.value()->find("/openapi.json")->body, R"({"openapi":"3.1.0"})");
}

TEST(static_assets, a_missing_file_is_an_error_naming_it) {
  asset_tree tree;
  fs::remove(tree.root / "npm/redoc/bundles/redoc.standalone.js");
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().detail.find("redoc.standalone.js"), std::string::npos);
}

}  // namespace
