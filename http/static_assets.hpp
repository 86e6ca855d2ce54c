// The API docs qgate serves itself, offline: /openapi.json, /docs (Swagger UI), /redoc (ReDoc).
// Files are mapped at start-up, not read: the kernel pages them in on first use, so they cost
// neither start-up time nor resident memory until someone opens the docs. The OpenAPI document,
// small and edited by hand, is copied instead.
#pragma once

#include "messages/error.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::http {

struct static_asset {
  std::string content_type;
  std::string cache_control;
  std::string_view body;  // into a mapped file or a page compiled in
};

class mapped_file;

class static_assets {
 public:
  // `assets_dir` holds the npm packages swagger-ui-dist and redoc; `openapi_path` the document.
  [[nodiscard]] static result<std::shared_ptr<const static_assets>> load(
      const std::string& assets_dir, const std::string& openapi_path);

  const static_asset* find(std::string_view path) const;

 private:
  std::vector<std::unique_ptr<const mapped_file>> files_;
  std::string openapi_;  // copied: an editor may rewrite it in place, and a mapping would fault
  std::map<std::string, static_asset, std::less<>> assets_;
};

}  // namespace qgate::http
