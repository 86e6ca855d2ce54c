// Any bytes a client sends, split anywhere, go through what qgate does before it routes: Beast's
// request parser with qgate's limits, the framing checks, the origin-form and path, the request
// id, CORS, Accept-Encoding, the usage query and the chat body. A verdict or a value, never a
// crash.
#include "http/accept_encoding.hpp"
#include "http/chat_request_parser.hpp"
#include "http/cors_policy.hpp"
#include "http/message_framing.hpp"
#include "http/query.hpp"
#include "http/request_id.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bhttp = boost::beast::http;

namespace {

void route(const bhttp::request<bhttp::string_body>& request) {
  std::vector<std::string_view> encodings;
  const auto [first, last] = request.equal_range(bhttp::field::transfer_encoding);
  for (auto field = first; field != last; ++field) encodings.push_back(field->value());
  (void)qgate::http::transfer_encoding_acceptable(
      encodings, request.find(bhttp::field::content_length) != request.end());
  const auto target = qgate::http::origin_form(request.target());
  const auto path = target.substr(0, target.find('?'));
  const auto id = qgate::http::pick_request_id(request["X-Request-Id"]);
  if (id.empty() || id.size() > 128) __builtin_trap();
  static const qgate::http::cors_policy cors("https://a.example, https://b.example");
  (void)cors.allow(request[bhttp::field::origin]);
  (void)qgate::http::accepts_gzip(request[bhttp::field::accept_encoding]);
  if (path == "/api/llm/usage") (void)qgate::http::parse_day_range(target);
  if (path == "/api/llm/chat") (void)qgate::http::parse_chat_request(request.body());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = data[0] % (bytes.size() + 1);
  std::size_t scanned = 0;
  if (qgate::http::scan_head(bytes, scanned) == qgate::http::head_state::folded) return 0;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 << 10);
  parser.body_limit(1 << 20);
  parser.eager(true);
  // Two reads, as a socket may deliver them; the parser consumes what it can from a buffer.
  std::string buffer;
  for (const auto piece : {bytes.substr(0, split), bytes.substr(split)}) {
    buffer.append(piece);
    while (!buffer.empty() && !parser.is_done()) {
      boost::beast::error_code ec;
      const auto used = parser.put(boost::asio::buffer(buffer.data(), buffer.size()), ec);
      buffer.erase(0, used);
      if (ec == bhttp::error::need_more) break;
      if (ec) return 0;  // qgate answers 400/413/431 and closes
      if (used == 0) break;
    }
  }
  if (parser.is_done()) route(parser.get());
  return 0;
}
