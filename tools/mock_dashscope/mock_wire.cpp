// Response heads and chunk framing written by hand, and request ids.
#include "tools/mock_dashscope/mock_wire.hpp"

#include <cstdint>
#include <random>

namespace qgate::mock {
namespace {

std::string_view reason_of(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_hex(std::string& out, std::uint64_t value, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += hex_digits[(value >> shift) & 0xF];
}

}  // namespace

std::string response_head(int status, std::string_view content_type, std::string_view request_id,
                          std::optional<std::size_t> content_length, bool keep_alive,
                          std::string_view extra_headers) {
  std::string head = "HTTP/1.1 ";
  head += std::to_string(status);
  head += ' ';
  head += reason_of(status);
  head += "\r\nContent-Type: ";
  head += content_type;
  head += "\r\nX-Request-ID: ";
  head += request_id;
  if (content_length) {
    head += "\r\nContent-Length: ";
    head += std::to_string(*content_length);
  } else {
    head += "\r\nTransfer-Encoding: chunked";
  }
  if (content_type == sse_type) head += "\r\nx-dashscope-finished: false";
  head += keep_alive ? "\r\n" : "\r\nConnection: close\r\n";
  head += extra_headers;
  head += "\r\n";
  return head;
}

std::string full_response(int status, std::string_view body, std::string_view request_id,
                          bool keep_alive, std::string_view content_type,
                          std::string_view extra_headers) {
  std::string bytes =
      response_head(status, content_type, request_id, body.size(), keep_alive, extra_headers);
  bytes += body;
  return bytes;
}

void append_chunk(std::string& out, std::string_view data) {
  std::size_t digits = 1;
  while (digits < 16 && (data.size() >> (digits * 4)) != 0) ++digits;
  append_hex(out, data.size(), static_cast<int>(digits));
  out += "\r\n";
  out += data;
  out += "\r\n";
}

std::string new_request_id() {
  // Not cryptographic: ids only need to be distinct, and this is on every request's path.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::uint64_t a = generator();
  const std::uint64_t b = generator();
  std::string id;
  id.reserve(36);
  append_hex(id, a >> 32, 8);
  id += '-';
  append_hex(id, a >> 16, 4);
  id += '-';
  append_hex(id, a, 4);
  id += '-';
  append_hex(id, b >> 48, 4);
  id += '-';
  append_hex(id, b, 12);
  return id;
}

}  // namespace qgate::mock
