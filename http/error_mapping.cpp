#include "http/error_mapping.hpp"

#include "messages/json_escape.hpp"

namespace qgate::http {

std::string error_body(const error& err) {
  const auto reply = map_error(err);
  std::string body = "{\"code\":";
  body += std::to_string(reply.status);
  body += ",\"message\":";
  append_json_string(body, reply.message);
  body += ",\"data\":null,\"error\":\"";
  body += reply.symbol;
  body += "\"}";
  return body;
}

}  // namespace qgate::http
