#include "tests/support/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace qgate::testing {
namespace {

struct transfer_context {
  http_response* response;
  const std::function<bool(std::string_view)>* on_chunk = nullptr;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& context = *static_cast<transfer_context*>(user);
  const std::string_view chunk(data, size * count);
  if (context.on_chunk != nullptr) {
    context.response->body.append(chunk);
    return (*context.on_chunk)(chunk) ? chunk.size() : 0;
  }
  context.response->body.append(chunk);
  return chunk.size();
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& response = *static_cast<transfer_context*>(user)->response;
  std::string line(data, size * count);
  const auto colon = line.find(':');
  if (line.starts_with("HTTP/")) response.headers.clear();
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    response.headers[name] = value;
  }
  return size * count;
}

http_response perform(CURL* easy, const std::string& method, const std::string& url,
                      const std::string& body, const std::vector<std::string>& headers,
                      const std::function<bool(std::string_view)>* on_chunk) {
  http_response response;
  transfer_context context{&response, on_chunk};
  curl_slist* list = nullptr;
  for (const auto& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(easy, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
  if (!body.empty() || method == "POST") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &context);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &context);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT, 120L);
  response.curl_code = curl_easy_perform(easy);
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  return response;
}

}  // namespace

http_response http_request(const std::string& method, const std::string& url,
                           const std::string& body, const std::vector<std::string>& headers) {
  CURL* easy = curl_easy_init();
  auto response = perform(easy, method, url, body, headers, nullptr);
  curl_easy_cleanup(easy);
  return response;
}

http_response stream_request(const std::string& url, const std::string& body,
                             const std::vector<std::string>& headers,
                             const std::function<bool(std::string_view)>& on_chunk) {
  CURL* easy = curl_easy_init();
  auto response = perform(easy, "POST", url, body, headers, &on_chunk);
  curl_easy_cleanup(easy);
  return response;
}

http_session::http_session() : easy_(curl_easy_init()) {}
http_session::~http_session() { curl_easy_cleanup(static_cast<CURL*>(easy_)); }

http_response http_session::request(const std::string& method, const std::string& url,
                                    const std::string& body,
                                    const std::vector<std::string>& headers) {
  auto* easy = static_cast<CURL*>(easy_);
  auto response = perform(easy, method, url, body, headers, nullptr);
  long opened = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &opened);
  connections_ += opened;
  return response;
}

}  // namespace qgate::testing
