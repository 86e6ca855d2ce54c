#include "http/static_assets.hpp"

#include "http/gzip.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qgate::http {

// A read-only private mapping of a whole file; the descriptor is closed once mapped.
class mapped_file {
 public:
  static result<std::unique_ptr<const mapped_file>> open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(errc::internal_error, "cannot read " + path);
    struct stat info {};
    if (fstat(fd, &info) != 0) {
      ::close(fd);
      return make_error(errc::internal_error, "cannot read " + path);
    }
    if (info.st_size == 0) {  // mmap refuses a length of zero; an empty file is an empty asset
      ::close(fd);
      return std::unique_ptr<const mapped_file>(new mapped_file(nullptr, 0));
    }
    void* data =
        mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (data == MAP_FAILED) return make_error(errc::internal_error, "cannot map " + path);
    return std::unique_ptr<const mapped_file>(
        new mapped_file(static_cast<const char*>(data), static_cast<std::size_t>(info.st_size)));
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file() {
    if (size_ != 0) munmap(const_cast<char*>(data_), size_);
  }

  [[nodiscard]] std::string_view view() const { return {data_, size_}; }

 private:
  mapped_file(const char* data, std::size_t size) : data_(data), size_(size) {}
  const char* data_;
  std::size_t size_;
};

namespace {

constexpr std::string_view immutable_cache = "public, max-age=86400";
constexpr std::string_view revalidate = "no-cache";
// The compressor yields to every other thread: the io threads never wait for it.
constexpr int compressor_nice = 19;

// Text compresses several-fold; the PNG is compressed already.
bool compressible_type(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/json");
}

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

}  // namespace

result<std::shared_ptr<const static_assets>> static_assets::load(const std::string& assets_dir,
                                                                 const std::string& openapi_path,
                                                                 gzip_callback on_gzip_ready) {
  auto assets = std::make_shared<static_assets>();
  const auto add = [&](std::string route, std::string_view type, std::string_view cache,
                       std::string_view body) {
    auto& asset = assets->assets_[std::move(route)];
    asset.content_type = type;
    asset.cache_control = cache;
    asset.body = body;
    asset.compressible = compressible_type(type);
  };
  const auto add_file = [&](std::string route, std::string_view type, std::string_view cache,
                            const std::string& path) -> result<void> {
    auto file = mapped_file::open(path);
    if (!file) return file.error();
    add(std::move(route), type, cache, file.value()->view());
    assets->files_.push_back(std::move(file).value());
    return boost::outcome_v2::success();
  };
  auto openapi = mapped_file::open(openapi_path);
  if (!openapi) return openapi.error();
  assets->openapi_ = std::string(openapi.value()->view());
  add("/openapi.json", "application/json; charset=utf-8", revalidate, assets->openapi_);
  add("/docs", "text/html; charset=utf-8", revalidate, swagger_page);
  add("/redoc", "text/html; charset=utf-8", revalidate, redoc_page);
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
    auto added = add_file(std::string(file.route), file.type, immutable_cache,
                          assets_dir + "/" + std::string(file.file));
    if (!added) return added.error();
  }
  assets->compressor_ =
      std::jthread([raw = assets.get(), on_ready = std::move(on_gzip_ready)](
                       const std::stop_token& stop) { raw->compress(stop, on_ready); });
  return std::shared_ptr<const static_assets>(std::move(assets));
}

void static_assets::compress(const std::stop_token& stop, const gzip_callback& on_ready) {
  // Linux keeps the nice value per thread: this lowers the compressor alone.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), compressor_nice);
  const auto started = std::chrono::steady_clock::now();
  gzip_report report;
  for (auto& [route, asset] : assets_) {
    if (!asset.compressible) continue;
    auto compressed = gzip_compress(asset.body, gzip_best, stop);
    if (stop.stop_requested()) break;
    // A failed or useless variant leaves the asset identity-only; it is served either way.
    if (!compressed || compressed.value().size() >= asset.body.size()) continue;
    asset.gzip_ = std::move(compressed).value();
    asset.gzip_ready_.store(true, std::memory_order_release);
    ++report.assets;
    report.identity_bytes += asset.body.size();
    report.gzip_bytes += asset.gzip_.size();
  }
  report.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (!stop.stop_requested() && on_ready) on_ready(report);
  gzip_done_.store(true, std::memory_order_release);
  gzip_done_.notify_all();
}

void static_assets::wait_for_gzip() const { gzip_done_.wait(false, std::memory_order_acquire); }

const static_asset* static_assets::find(std::string_view path) const {
  const auto found = assets_.find(path);
  return found == assets_.end() ? nullptr : &found->second;
}

}  // namespace qgate::http
