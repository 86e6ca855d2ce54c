// The HTML pages of the API docs, compiled in: Swagger UI, ReDoc, and the page either shows when
// its npm assets are missing.
#pragma once

#include <string_view>

namespace qgate::http::docs_pages {

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

// Served at /docs and /redoc when their npm assets are missing: what to do, and the document.
constexpr std::string_view assets_missing_page = R"(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>qgate API · docs assets not installed</title>
</head>
<body>
  <h1>The API docs assets are not installed</h1>
  <p>qgate serves Swagger UI and ReDoc from the npm packages <code>swagger-ui-dist</code> and
  <code>redoc</code>, which it did not find in its <code>docs.assets_dir</code>
  (<code>QGATE_DOCS_ASSETS_DIR</code>, by default <code>web/node_modules</code>).</p>
  <p>Install them from the repository with <code>scripts/install-deps.sh</code>, or
  <code>cd web &amp;&amp; npm ci</code>, then restart qgate.</p>
  <p>The OpenAPI document is served anyway: <a href="/openapi.json">/openapi.json</a>.</p>
</body>
</html>
)";

// Served at /admin/console when its files are missing from admin.console_dir.
constexpr std::string_view console_missing_page = R"(<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>qgate · console files not installed</title>
</head>
<body>
  <h1>The operator console's files are not installed</h1>
  <p>qgate serves the console from <code>index.html</code>, <code>console.js</code> and
  <code>console.css</code> in its <code>admin.console_dir</code> (<code>QGATE_ADMIN_CONSOLE_DIR</code>,
  by default <code>web/console</code>), and did not find them there. The admin API works without
  them.</p>
</body>
</html>
)";

}  // namespace qgate::http::docs_pages
