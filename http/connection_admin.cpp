// The admin API and the operator console on a connection: /admin answers 404 until the gateway
// has an admin API (an admin key is configured); then the console's files are served to anyone
// (they hold no data) and every API call goes to the gateway with the caller's bearer token.
#include "http/connection_impl.hpp"

#include "http/admin_render.hpp"
#include "http/admin_request.hpp"
#include "http/message_framing.hpp"
#include "messages/admin_backend.hpp"

namespace qgate::http::detail {

void connection::start_admin(bhttp::request<bhttp::string_body>& request, std::string_view path) {
  auto* admin = shared_->backend.admin();
  if (admin == nullptr) {
    return reply_error(
        make_error(errc::not_found, fmt::format("Invalid URL ({} {})", method_, path)));
  }
  if (method_ == "OPTIONS") return reply_preflight();
  if (is_console_path(path)) {
    const auto method = request.method();
    const auto* asset = options().console ? options().console->find(path) : nullptr;
    if (asset == nullptr) return reply_error(make_error(errc::not_found));
    if (method != bhttp::verb::get && method != bhttp::verb::head)
      return reply_error(make_error(errc::method_not_allowed), "GET, HEAD");
    return reply_asset(*asset, asset->compressible && wants_gzip(request));
  }
  auto parsed =
      parse_admin_request(request.method_string(), origin_form(request.target()), request.body());
  if (parsed.refused) return reply_error(*parsed.refused, parsed.allow);
  parsed.request.api_key = std::string(bearer_token(request[bhttp::field::authorization]));
  admin->admin(std::move(parsed.request), make_sink());
  watch_peer();
}

void connection::deliver_reply(std::uint64_t generation, unsigned status, std::string body) {
  if (stale(generation)) return;
  reply_headers headers;
  headers.cache_control = "no-store";
  reply(status, std::move(body), headers);
}

void connection_sink::send_admin(admin_reply reply) {
  const auto status = admin_status(reply);
  net::dispatch(owner_->executor(), [owner = owner_, generation = generation_, status,
                                     body = admin_body(reply)]() mutable {
    owner->deliver_reply(generation, status, std::move(body));
  });
}

}  // namespace qgate::http::detail
