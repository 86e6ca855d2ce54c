// libcurl-based HTTP client for integration tests.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::testing {

struct http_response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int curl_code = 0;
};

http_response http_request(const std::string& method, const std::string& url,
                           const std::string& body = {},
                           const std::vector<std::string>& headers = {});

// Streams the body to `on_chunk`; returning false from it aborts (curl closes the connection).
http_response stream_request(const std::string& url, const std::string& body,
                             const std::vector<std::string>& headers,
                             const std::function<bool(std::string_view)>& on_chunk);

// One easy handle reused across requests, so curl keeps the connection alive.
class http_session {
 public:
  http_session();
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  http_response request(const std::string& method, const std::string& url,
                        const std::string& body = {}, const std::vector<std::string>& headers = {});
  long connections_opened() const { return connections_; }

 private:
  void* easy_;
  long connections_ = 0;
};

}  // namespace qgate::testing
