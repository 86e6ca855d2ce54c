// The docs assets: mapped npm files, the copied or built-in OpenAPI document, empty and missing
// files, and gzip variants that inflate back to the very bytes.
#include "http/static_assets.hpp"

#include "http/gzip.hpp"
#include "tests/support/gunzip.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <stop_token>

namespace {

namespace fs = std::filesystem;
using qgate::http::static_assets;
using qgate::testing::gunzip;

void write(const fs::path& path, std::string_view content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string repeated(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
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
  ASSERT_TRUE(loaded);
  const auto& assets = *loaded;
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
  ASSERT_TRUE(loaded);
  write(tree.root / "openapi.json", "");  // truncated in place, as `cp` or an editor would
  EXPECT_EQ(loaded->find("/openapi.json")->body, R"({"openapi":"3.1.0"})");
}

const std::string openapi_in_repository =
    read_file(fs::path(QGATE_SOURCE_DIR) / "http/docs/openapi.json");
const std::string swagger_routes[] = {
    "/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js",
    "/docs/assets/swagger-ui-standalone-preset.js", "/docs/assets/favicon-32x32.png"};

void expect_install_hint(const qgate::http::static_asset* page) {
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page->cache_control, "no-cache");  // the real page once the assets are installed
  EXPECT_NE(page->body.find("scripts/install-deps.sh"), std::string_view::npos);
  EXPECT_NE(page->body.find("cd web &amp;&amp; npm ci"), std::string_view::npos);
  EXPECT_NE(page->body.find("href=\"/openapi.json\""), std::string_view::npos);
  EXPECT_EQ(page->body.find("<script"), std::string_view::npos);
}

TEST(static_assets, a_missing_file_replaces_its_page_with_the_install_hint) {
  asset_tree tree;
  fs::remove(tree.root / "npm/redoc/bundles/redoc.standalone.js");
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  expect_install_hint(loaded->find("/redoc"));
  EXPECT_EQ(loaded->find("/redoc/assets/redoc.standalone.js"), nullptr);
  ASSERT_EQ(loaded->missing().size(), 1u);
  EXPECT_EQ(loaded->missing()[0].rfind("/redoc: cannot read ", 0), 0u) << loaded->missing()[0];
  EXPECT_NE(loaded->missing()[0].find("redoc.standalone.js"), std::string::npos);
  // The other page is whole and served as usual.
  EXPECT_NE(loaded->find("/docs")->body.find("swagger-ui-bundle.js"), std::string_view::npos);
  EXPECT_EQ(loaded->find("/docs/assets/swagger-ui.css")->body, "body{}");
}

TEST(static_assets, a_page_is_served_with_all_its_files_or_none) {
  asset_tree tree;
  fs::remove(tree.root / "npm/swagger-ui-dist/swagger-ui-standalone-preset.js");
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  expect_install_hint(loaded->find("/docs"));
  for (const auto& route : swagger_routes) EXPECT_EQ(loaded->find(route), nullptr) << route;
}

TEST(static_assets, a_missing_assets_dir_still_serves_the_document_and_the_hint) {
  asset_tree tree;
  auto loaded = static_assets::load("/nonexistent", tree.openapi());
  EXPECT_EQ(loaded->find("/openapi.json")->body, R"({"openapi":"3.1.0"})");
  EXPECT_EQ(loaded->openapi_source(), tree.openapi());
  expect_install_hint(loaded->find("/docs"));
  expect_install_hint(loaded->find("/redoc"));
  for (const auto& route : swagger_routes) EXPECT_EQ(loaded->find(route), nullptr) << route;
  EXPECT_EQ(loaded->find("/redoc/assets/redoc.standalone.js"), nullptr);
  EXPECT_EQ(loaded->missing().size(), 2u);
}

TEST(static_assets, without_a_readable_document_the_copy_built_in_is_served) {
  ASSERT_GT(openapi_in_repository.size(), 1000u);
  asset_tree tree;
  for (const std::string& npm : {tree.npm(), std::string("/nonexistent")}) {
    auto loaded = static_assets::load(npm, "/nonexistent/openapi.json");
    const auto* openapi = loaded->find("/openapi.json");
    ASSERT_NE(openapi, nullptr);
    EXPECT_TRUE(openapi->body == openapi_in_repository);
    EXPECT_EQ(openapi->content_type, "application/json; charset=utf-8");
    EXPECT_TRUE(loaded->openapi_source().empty());
  }
}

using qgate::http::gzip_compress;

TEST(gzip, inflates_back_to_the_very_bytes) {
  for (const std::string& input :
       {std::string(), std::string("a"), std::string("\0\xff\x80", 3), repeated("qgate ", 100000),
        read_file(fs::path(QGATE_SOURCE_DIR) / "http/docs/openapi.json")}) {
    auto compressed = gzip_compress(input);
    ASSERT_TRUE(compressed) << compressed.error().detail;
    EXPECT_EQ(gunzip(compressed.value()), input);
  }
}

TEST(gzip, the_swagger_bundle_inflates_back_and_shrinks) {
  const auto bundle = read_file(fs::path(QGATE_SOURCE_DIR) /
                                "web/node_modules/swagger-ui-dist/swagger-ui-bundle.js");
  ASSERT_GT(bundle.size(), 1000000u) << "docs assets not installed (scripts/install-deps.sh)";
  auto compressed = gzip_compress(bundle);
  ASSERT_TRUE(compressed) << compressed.error().detail;
  EXPECT_LT(compressed.value().size(), bundle.size() / 2);
  EXPECT_EQ(gunzip(compressed.value()), bundle);
}

TEST(gzip, a_stop_request_ends_it_with_an_error) {
  std::stop_source stop;
  stop.request_stop();
  auto compressed = gzip_compress(repeated("x", 1000), qgate::http::gzip_best, stop.get_token());
  ASSERT_FALSE(compressed);
  EXPECT_EQ(compressed.error().code, qgate::errc::unavailable);
}

TEST(static_assets, text_assets_get_a_gzip_variant_that_inflates_to_the_identity_bytes) {
  asset_tree tree;
  const auto css = repeated(".opblock{margin:0 0 15px}\n", 2000);
  write(tree.root / "npm/swagger-ui-dist/swagger-ui.css", css);
  write(tree.root / "npm/swagger-ui-dist/favicon-32x32.png", std::string(20000, '\0'));
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  ASSERT_TRUE(loaded);
  const auto& assets = *loaded;
  assets.wait_for_gzip();
  const auto* style = assets.find("/docs/assets/swagger-ui.css");
  EXPECT_TRUE(style->compressible);
  ASSERT_TRUE(style->gzip());
  EXPECT_LT(style->gzip()->size(), css.size() / 10);
  EXPECT_EQ(gunzip(*style->gzip()), css);
  const auto* page = assets.find("/docs");
  ASSERT_TRUE(page->gzip());
  EXPECT_EQ(gunzip(*page->gzip()), page->body);
  // The PNG is never compressed, however well it would shrink.
  const auto* icon = assets.find("/docs/assets/favicon-32x32.png");
  EXPECT_FALSE(icon->compressible);
  EXPECT_FALSE(icon->gzip());
  // A 9-byte script gains nothing: no variant, but its answers still vary with Accept-Encoding.
  const auto* tiny = assets.find("/docs/assets/swagger-ui-bundle.js");
  EXPECT_TRUE(tiny->compressible);
  EXPECT_FALSE(tiny->gzip());
  EXPECT_FALSE(assets.find("/docs/assets/swagger-ui-standalone-preset.js")->gzip());  // empty
}

// Rss (KB) of the mapping of this process that holds `address`, from /proc/self/smaps; -1 if none.
long resident_kb_of_mapping(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  bool inside = false;
  std::string line;
  while (std::getline(smaps, line)) {
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash != std::string::npos && space != std::string::npos && dash < space &&
        line.find(':') > space) {  // a range line: "start-end perms offset dev inode path"
      const auto start = std::stoull(line.substr(0, dash), nullptr, 16);
      const auto end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
      inside = at >= start && at < end;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

// Compressing reads every mapped file; idle RSS must not keep what it paged in.
TEST(static_assets, the_compressor_hands_back_the_pages_it_read) {
  asset_tree tree;
  write(tree.root / "npm/swagger-ui-dist/swagger-ui-bundle.js", repeated("bundle(); ", 200000));
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  loaded->wait_for_gzip();
  const auto* bundle = loaded->find("/docs/assets/swagger-ui-bundle.js");
  ASSERT_TRUE(bundle->gzip());
  EXPECT_EQ(resident_kb_of_mapping(bundle->body.data()), 0);
  // Served afterwards, the bytes are the file's, faulted in again.
  EXPECT_TRUE(bundle->body == repeated("bundle(); ", 200000));
  EXPECT_GT(resident_kb_of_mapping(bundle->body.data()), 1000);
}

TEST(static_assets, the_compressor_reports_once_it_is_done) {
  asset_tree tree;
  write(tree.root / "npm/redoc/bundles/redoc.standalone.js", repeated("redoc();", 5000));
  std::promise<qgate::http::gzip_report> reported;
  auto loaded = static_assets::load(tree.npm(), tree.openapi(),
                                    [&](const auto& report) { reported.set_value(report); });
  ASSERT_TRUE(loaded);
  const auto report = reported.get_future().get();
  EXPECT_GE(report.assets, 3u);  // the script and both pages
  EXPECT_LT(report.gzip_bytes, report.identity_bytes);
  ASSERT_TRUE(loaded->find("/redoc/assets/redoc.standalone.js")->gzip());
}

TEST(static_assets, destroying_them_while_compressing_stops_the_compressor) {
  asset_tree tree;
  write(tree.root / "npm/swagger-ui-dist/swagger-ui-bundle.js", repeated("bundle(); ", 1 << 20));
  auto loaded = static_assets::load(tree.npm(), tree.openapi());
  ASSERT_TRUE(loaded);
  // Stops and joins the compressor mid-way: a thread left reading freed memory fails under ASan.
  loaded.reset();
}

}  // namespace
