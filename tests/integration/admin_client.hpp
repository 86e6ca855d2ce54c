// Calls to the admin API of a gateway under test, answers read back by simdjson.
#pragma once

#include "messages/json_escape.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"

#include <simdjson.h>

#include <cctype>
#include <ctime>
#include <string>

namespace qgate::testing {

inline const std::string admin_key = "admin-key-for-tests-0123456789";

// Percent-encodes everything but unreserved characters (as encodeURIComponent does).
inline std::string url_encoded(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

// Today (UTC), or `days` from it, as YYYY-MM-DD.
inline std::string utc_day(int days = 0) {
  const std::time_t when = std::time(nullptr) + static_cast<std::time_t>(days) * 86400;
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

class admin_client {
 public:
  explicit admin_client(const gateway& qgate, std::string key = admin_key)
      : qgate_(qgate), key_(std::move(key)) {}

  http_response call(const std::string& method, const std::string& path,
                     const std::string& body = {}) const {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!key_.empty()) headers.push_back("Authorization: Bearer " + key_);
    return http_request(method, qgate_.url(path), body, headers);
  }

  // The `data` of a successful answer (status `expected`), parsed; fails the test otherwise.
  simdjson::dom::element data(const std::string& method, const std::string& path,
                              const std::string& body = {}, long expected = 200) {
    last_ = call(method, path, body);
    EXPECT_EQ(last_.status, expected) << method << " " << path << ": " << last_.body;
    simdjson::dom::element root;
    if (parser_.parse(last_.body).get(root) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON: " << last_.body;
      return {};
    }
    EXPECT_EQ(int64_t(root["code"]), expected);
    return root["data"];
  }

  // Creates a tenant (`fields`: more JSON members) and returns its new key.
  std::string create(std::string_view name, std::string_view fields = {}) {
    std::string body = R"({"name":)" + json_string(name);
    if (!fields.empty()) body += "," + std::string(fields);
    body += "}";
    const auto tenant = data("POST", "/admin/tenants", body, 201);
    std::string_view key;
    if (tenant["key"].get(key) != simdjson::SUCCESS) return {};
    return std::string(key);
  }

  const http_response& last() const { return last_; }

 private:
  const gateway& qgate_;
  std::string key_;
  simdjson::dom::parser parser_;
  http_response last_;
};

// A chat call's status with `key` (non-stream, qwen-turbo unless told).
inline long chat_status(const gateway& qgate, const std::string& key,
                        std::string_view model = "qwen-turbo") {
  return http_request("POST", qgate.url("/api/llm/chat"), chat_body(model, "hi", false),
                      {"Content-Type: application/json", "Authorization: Bearer " + key})
      .status;
}

}  // namespace qgate::testing
