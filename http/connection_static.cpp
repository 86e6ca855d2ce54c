// The docs pages and their assets, written straight from the mapped files: one copy in memory for
// every reader, so a client that never reads costs a socket buffer, not the asset.
#include "http/connection_impl.hpp"

#include "http/accept_encoding.hpp"

#include <netinet/tcp.h>

namespace qgate::http::detail {
namespace {

// Unsent bytes the kernel may queue for an asset answer. Left to itself it takes the whole 1.4 MB
// bundle into the socket at once (tcp_wmem allows 4 MB): 500 clients that never read held ≈ 1 GB
// of kernel memory, and the io thread copied it all in before serving anyone else. Past this
// mark, the rest waits in the mapping until the client reads.
constexpr int asset_unsent_limit = 128 << 10;
using notsent_lowat = net::detail::socket_option::integer<IPPROTO_TCP, TCP_NOTSENT_LOWAT>;

}  // namespace

// `/` leads to the docs.
bool connection::reply_static(const bhttp::request<bhttp::string_body>& request,
                              std::string_view path) {
  const auto& assets = options().assets;
  const auto method = request.method();
  if (!assets || (method != bhttp::verb::get && method != bhttp::verb::head)) return false;
  if (path == "/") {
    reply_headers redirect;
    redirect.content_type = "text/plain";
    redirect.location = "/docs";
    reply(302, {}, redirect);
    return true;
  }
  const auto* asset = assets->find(path);
  if (asset == nullptr) return false;
  reply_asset(*asset, asset->compressible && wants_gzip(request));
  return true;
}

// Every Accept-Encoding line counts; a request rarely has more than one, so that case copies.
bool connection::wants_gzip(const bhttp::request<bhttp::string_body>& request) {
  auto [line, end] = request.equal_range(bhttp::field::accept_encoding);
  if (line == end) return false;
  if (std::next(line) == end) return accepts_gzip(line->value());
  std::string joined;
  for (; line != end; ++line) {
    if (!joined.empty()) joined += ',';
    joined += line->value();
  }
  return accepts_gzip(joined);
}

void connection::reply_asset(const static_asset& asset, bool gzip) {
  const auto variant = gzip ? asset.gzip() : std::nullopt;
  const std::string_view body = variant.value_or(asset.body);
  asset_response_ = {};
  asset_response_.version(version_);
  asset_response_.result(bhttp::status::ok);
  asset_response_.set(bhttp::field::content_type, asset.content_type);
  asset_response_.set("X-Request-Id", request_id_);
  asset_response_.set(bhttp::field::cache_control, asset.cache_control);
  if (!asset.security_policy.empty())
    asset_response_.set("Content-Security-Policy", asset.security_policy);
  if (variant) asset_response_.set(bhttp::field::content_encoding, "gzip");
  add_cors(asset_response_);
  // After add_cors, which may have set `Vary: Origin`; caches must key on both.
  if (asset.compressible) {
    const std::string_view vary = asset_response_[bhttp::field::vary];
    asset_response_.set(bhttp::field::vary,
                        vary.empty() ? "Accept-Encoding" : std::string(vary) + ", Accept-Encoding");
  }
  asset_response_.keep_alive(keep_alive_ && !close_after_ && !shared_->draining);
  // Set by hand: HEAD reports the length GET would send, with no body.
  asset_response_.content_length(body.size());
  if (method_ != "HEAD") asset_response_.body() = {body.data(), body.size()};
  // Best effort, restored after the write: the answer is the same without it, only costlier.
  beast::error_code ignored;
  notsent_lowat saved;
  stream_.socket().get_option(saved, ignored);
  saved_notsent_lowat_ = ignored ? 0 : saved.value();
  stream_.socket().set_option(notsent_lowat(asset_unsent_limit), ignored);
  stream_.expires_after(options().write_timeout);
  count_request(asset_response_.result_int());
  bhttp::async_write(stream_, asset_response_,
                     beast::bind_front_handler(&connection::on_asset_written, shared_from_this()));
}

void connection::on_asset_written(beast::error_code ec, std::size_t) {
  if (closed()) return;
  beast::error_code ignored;
  stream_.socket().set_option(notsent_lowat(saved_notsent_lowat_), ignored);
  finish_request(asset_response_.result_int(), !ec && asset_response_.keep_alive());
}

}  // namespace qgate::http::detail
