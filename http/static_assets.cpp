#include "http/static_assets.hpp"

#include "http/docs_pages.hpp"
#include "http/embedded_openapi.hpp"
#include "http/gzip.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <span>

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
  // Unmaps the pages from this process, not the file: the next read faults them in again from the
  // page cache, unchanged (a private mapping never written to has no copies of its own).
  void release_pages() const {
    if (size_ != 0) (void)madvise(const_cast<char*>(data_), size_, MADV_DONTNEED);
  }

 private:
  mapped_file(const char* data, std::size_t size) : data_(data), size_(size) {}
  const char* data_;
  std::size_t size_;
};

namespace {

constexpr std::string_view immutable_cache = "public, max-age=86400";
constexpr std::string_view revalidate = "no-cache";
constexpr std::string_view html_type = "text/html; charset=utf-8";
constexpr std::string_view script_type = "text/javascript; charset=utf-8";
// The compressor yields to every other thread: the io threads never wait for it.
constexpr int compressor_nice = 19;

// Text compresses several-fold; the PNG is compressed already.
bool compressible_type(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/json");
}

struct asset_file {
  std::string_view route, file, type;
};

// Each page with the npm files it loads: served with all of them, or replaced by the
// assets-missing page while its asset routes answer 404.
constexpr asset_file swagger_files[] = {
    {"/docs/assets/swagger-ui.css", "swagger-ui-dist/swagger-ui.css", "text/css; charset=utf-8"},
    {"/docs/assets/swagger-ui-bundle.js", "swagger-ui-dist/swagger-ui-bundle.js", script_type},
    {"/docs/assets/swagger-ui-standalone-preset.js",
     "swagger-ui-dist/swagger-ui-standalone-preset.js", script_type},
    {"/docs/assets/favicon-32x32.png", "swagger-ui-dist/favicon-32x32.png", "image/png"},
};
constexpr asset_file redoc_files[] = {
    {"/redoc/assets/redoc.standalone.js", "redoc/bundles/redoc.standalone.js", script_type},
};
// The console renders tenant names, hostile input: its page runs only its own script and style,
// talks only to qgate, and is framed by nobody.
constexpr std::string_view console_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
constexpr asset_file console_files[] = {
    {"/admin/console", "index.html", html_type},
    {"/admin/console/console.js", "console.js", script_type},
    {"/admin/console/console.css", "console.css", "text/css; charset=utf-8"},
};

}  // namespace

std::shared_ptr<const static_assets> static_assets::load(const std::string& assets_dir,
                                                         const std::string& openapi_path,
                                                         gzip_callback on_gzip_ready) {
  auto assets = std::make_shared<static_assets>();
  const auto add = [&](std::string_view route, std::string_view type, std::string_view cache,
                       std::string_view body) {
    auto& asset = assets->assets_[std::string(route)];
    asset.content_type = type;
    asset.cache_control = cache;
    asset.body = body;
    asset.compressible = compressible_type(type);
  };
  // Maps all of a page's files before serving any: a page never loads half its scripts.
  const auto add_page = [&](std::string_view route, std::string_view page,
                            std::span<const asset_file> files) {
    std::vector<std::unique_ptr<const mapped_file>> mapped;
    for (const auto& file : files) {
      auto opened = mapped_file::open(assets_dir + "/" + std::string(file.file));
      if (!opened) {
        assets->missing_.push_back(std::string(route) + ": " + opened.error().detail);
        add(route, html_type, revalidate, docs_pages::assets_missing_page);
        return;
      }
      mapped.push_back(std::move(opened).value());
    }
    for (std::size_t i = 0; i < files.size(); ++i) {
      add(files[i].route, files[i].type, immutable_cache, mapped[i]->view());
      assets->files_.push_back(std::move(mapped[i]));
    }
    add(route, html_type, revalidate, page);
  };

  // The configured document when readable (an edit shows after a restart, no rebuild), else the
  // copy built in.
  if (auto openapi = mapped_file::open(openapi_path)) {
    assets->openapi_ = std::string(openapi.value()->view());
    assets->openapi_source_ = openapi_path;
    add("/openapi.json", "application/json; charset=utf-8", revalidate, assets->openapi_);
  } else {
    add("/openapi.json", "application/json; charset=utf-8", revalidate, embedded_openapi());
  }
  add_page("/docs", docs_pages::swagger_page, swagger_files);
  add_page("/redoc", docs_pages::redoc_page, redoc_files);

  assets->compressor_ =
      std::jthread([raw = assets.get(), on_ready = std::move(on_gzip_ready)](
                       const std::stop_token& stop) { raw->compress(stop, on_ready); });
  return assets;
}

std::shared_ptr<const static_assets> static_assets::load_console(const std::string& console_dir) {
  auto assets = std::make_shared<static_assets>();
  std::vector<std::unique_ptr<const mapped_file>> mapped;
  for (const auto& file : console_files) {
    auto opened = mapped_file::open(console_dir + "/" + std::string(file.file));
    if (!opened) {
      assets->missing_.push_back("/admin/console: " + opened.error().detail);
      auto& page = assets->assets_[std::string(console_files[0].route)];
      page.content_type = html_type;
      page.cache_control = revalidate;
      page.body = docs_pages::console_missing_page;
      assets->gzip_done_.store(true);  // nothing to compress
      return assets;
    }
    mapped.push_back(std::move(opened).value());
  }
  for (std::size_t i = 0; i < mapped.size(); ++i) {
    auto& asset = assets->assets_[std::string(console_files[i].route)];
    asset.content_type = console_files[i].type;
    asset.cache_control = revalidate;  // edited in place: a restart serves the new files
    asset.body = mapped[i]->view();
    asset.compressible = true;
    asset.security_policy = console_policy;
    assets->files_.push_back(std::move(mapped[i]));
  }
  assets->compressor_ =
      std::jthread([raw = assets.get()](const std::stop_token& stop) { raw->compress(stop, {}); });
  return assets;
}

void static_assets::compress(const std::stop_token& stop, const gzip_callback& on_ready) {
  // Linux keeps the nice value per thread: this lowers the compressor alone.
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), compressor_nice);
  const auto started = std::chrono::steady_clock::now();
  gzip_report report;
  for (auto& [route, asset] : assets_) {
    if (!asset.compressible) continue;
    auto compressed = gzip_compress(asset.body, gzip_best, stop);
    // Reading the files paged them all in; idle, qgate should not hold them (BENCHMARKS.md).
    for (const auto& file : files_) {
      if (file->view().data() == asset.body.data()) file->release_pages();
    }
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
  // The deflate states and output buffers, megabytes freed in this thread's arena, would stay
  // resident for the life of the process: this one-off job hands them back.
  (void)malloc_trim(0);
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
