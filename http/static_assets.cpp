#include "http/static_assets.hpp"

#include <fstream>

namespace qgate::http {
namespace {

constexpr std::string_view immutable_cache = "public, max-age=86400";
constexpr std::string_view revalidate = "no-cache";

constexpr std::string_view swagger_page = R"(<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>qgate API · Swagger UI</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout'
    });
  </script>
</body>
</html>
)";

constexpr std::string_view redoc_page = R"(<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>qgate API · ReDoc</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/redoc/assets/redoc.standalone.js"></script>
</body>
</html>
)";

// One read into a string of the file's size: start-up loads a few MB of assets, and stream-buffer
// copying cost tens of milliseconds there.
[[nodiscard]] result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return make_error(errc::internal_error, "cannot read " + path);
  std::string content(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(content.data(), static_cast<std::streamsize>(content.size()))) {
    return make_error(errc::internal_error, "cannot read " + path);
  }
  return content;
}

}  // namespace

result<std::shared_ptr<const static_assets>> static_assets::load(const std::string& assets_dir,
                                                                 const std::string& openapi_path) {
  auto assets = std::make_shared<static_assets>();
  const auto add = [&](std::string route, std::string_view type, std::string_view cache,
                       std::string body) {
    assets->assets_[std::move(route)] = {std::string(type), std::string(cache), std::move(body)};
  };
  auto openapi = read_file(openapi_path);
  if (!openapi) return openapi.error();
  add("/openapi.json", "application/json; charset=utf-8", revalidate, std::move(openapi).value());
  add("/docs", "text/html; charset=utf-8", revalidate, std::string(swagger_page));
  add("/redoc", "text/html; charset=utf-8", revalidate, std::string(redoc_page));
  const struct {
    std::string_view route, file, type;
  } files[] = {
      {"/docs/assets/swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "text/css; charset=utf-8"},
      {"/docs/assets/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js",
       "text/javascript; charset=utf-8"},
      {"/docs/assets/swagger-ui-standalone-preset.js",
       "swagger-ui-dist/swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8"},
      {"/docs/assets/favicon-32x32.png", "swagger-ui-dist/favicon-32x32.png", "image/png"},
      {"/redoc/assets/redoc.standalone.js", "redoc/bundles/redoc.standalone.js",
       "text/javascript; charset=utf-8"},
  };
  for (const auto& file : files) {
    auto body = read_file(assets_dir + "/" + std::string(file.file));
    if (!body) return body.error();
    add(std::string(file.route), file.type, immutable_cache, std::move(body).value());
  }
  return std::shared_ptr<const static_assets>(std::move(assets));
}

const static_asset* static_assets::find(std::string_view path) const {
  const auto found = assets_.find(path);
  return found == assets_.end() ? nullptr : &found->second;
}

}  // namespace qgate::http
