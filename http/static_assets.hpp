// The API docs qgate serves itself, offline: /openapi.json, /docs (Swagger UI), /redoc (ReDoc).
// The npm files are mapped at start-up, not read: the kernel pages them in on first use, so they
// cost neither start-up time nor resident memory until someone opens the docs, and responses
// point into the mapping instead of copying it. The OpenAPI document, small and edited by hand, is
// copied from `docs.openapi` when readable, else taken from the copy compiled into the binary: it
// is always served. A page whose npm files are missing is replaced by one that says how to install
// them. Text assets (JS, CSS, HTML, JSON) also get a gzip variant, made once by a background
// thread that load starts: level 9 on the 2.7 MB of JS and CSS takes longer than qgate's whole
// start-up budget, so they are served identity until it publishes them, one by one.
#pragma once

#include "messages/error.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace qgate::http {

class static_asset {
 public:
  std::string content_type;
  std::string cache_control;
  std::string_view body;      // into a mapped file, the document's copy or a page compiled in
  bool compressible = false;  // text: its answers vary with Accept-Encoding
  std::string_view security_policy;  // Content-Security-Policy, when the page has one

  // The gzip variant once published, and only if it is smaller than `body`.
  [[nodiscard]] std::optional<std::string_view> gzip() const {
    if (!gzip_ready_.load(std::memory_order_acquire)) return std::nullopt;
    return std::string_view(gzip_);
  }

 private:
  friend class static_assets;
  std::string gzip_;  // written by the compressor before gzip_ready_, never after
  std::atomic<bool> gzip_ready_{false};
};

// What the background compression did, for the log.
struct gzip_report {
  std::size_t assets = 0;  // variants published
  std::size_t identity_bytes = 0;
  std::size_t gzip_bytes = 0;
  std::chrono::milliseconds took{0};
};

class mapped_file;

class static_assets {
 public:
  using gzip_callback = std::function<void(const gzip_report&)>;

  // `assets_dir` holds the npm packages swagger-ui-dist and redoc; `openapi_path` the document.
  // `on_gzip_ready` runs on the compressor's thread once every variant is published. Never fails:
  // what was missing is told by openapi_source() and missing().
  [[nodiscard]] static std::shared_ptr<const static_assets> load(const std::string& assets_dir,
                                                                 const std::string& openapi_path,
                                                                 gzip_callback on_gzip_ready = {});

  // The operator console (/admin/console and its files under it) from `console_dir`: index.html,
  // console.js, console.css. When one is missing, /admin/console says so (missing() tells why).
  [[nodiscard]] static std::shared_ptr<const static_assets> load_console(
      const std::string& console_dir);

  static_assets() = default;
  static_assets(const static_assets&) = delete;
  static_assets& operator=(const static_assets&) = delete;

  const static_asset* find(std::string_view path) const;
  // The document's file, or empty when the copy built in is served.
  const std::string& openapi_source() const { return openapi_source_; }
  // Each page served as the assets-missing page, and why ("/redoc: cannot read <path>").
  const std::vector<std::string>& missing() const { return missing_; }
  // Blocks until the compressor has published every variant (or was stopped); for tests.
  void wait_for_gzip() const;

 private:
  void compress(const std::stop_token& stop, const gzip_callback& on_ready);

  std::vector<std::unique_ptr<const mapped_file>> files_;
  std::string openapi_;  // copied: an editor may rewrite it in place, and a mapping would fault
  std::string openapi_source_;
  std::vector<std::string> missing_;
  std::map<std::string, static_asset, std::less<>> assets_;
  std::atomic<bool> gzip_done_{false};
  std::jthread compressor_;  // last: stopped and joined before what it reads is destroyed
};

}  // namespace qgate::http
