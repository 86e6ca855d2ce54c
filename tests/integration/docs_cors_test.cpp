// The API docs served offline by qgate, and CORS for browser clients.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/raw_socket.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <memory>

namespace qgate::testing {
namespace {

const std::vector<std::string> json_headers = {"Content-Type: application/json"};
const std::string bundle_route = "/docs/assets/swagger-ui-bundle.js";

// VmRSS of `pid` in KB, from /proc/<pid>/status; -1 if unreadable.
long resident_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

TEST(docs, openapi_document_and_pages_are_served) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  const auto openapi = http_request("GET", qgate.url("/openapi.json"));
  ASSERT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.headers.at("content-type"), "application/json; charset=utf-8");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(openapi.body).get(root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["openapi"]), "3.1.0");
  EXPECT_TRUE(root["paths"]["/api/llm/chat"]["post"].is_object());
  EXPECT_TRUE(root["paths"]["/api/llm/models"]["get"].is_object());

  const auto docs = http_request("GET", qgate.url("/docs"));
  ASSERT_EQ(docs.status, 200);
  EXPECT_EQ(docs.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(docs.body.find("swagger-ui-bundle.js"), std::string::npos);
  const auto redoc = http_request("GET", qgate.url("/redoc"));
  EXPECT_NE(redoc.body.find("redoc.standalone.js"), std::string::npos);

  for (const std::string& asset : {std::string("/docs/assets/swagger-ui-bundle.js"),
                                   std::string("/docs/assets/swagger-ui.css"),
                                   std::string("/docs/assets/swagger-ui-standalone-preset.js"),
                                   std::string("/redoc/assets/redoc.standalone.js")}) {
    const auto response = http_request("GET", qgate.url(asset));
    EXPECT_EQ(response.status, 200) << asset;
    EXPECT_GT(response.body.size(), 10000u) << asset;
    EXPECT_EQ(response.headers.at("cache-control"), "public, max-age=86400") << asset;
  }
  const auto root_page = http_request("GET", qgate.url("/"));
  EXPECT_EQ(root_page.status, 302);
  EXPECT_EQ(root_page.headers.at("location"), "/docs");
}

// Clients that ask for the 1.4 MB bundle and never read must not each hold a copy of it: measured
// under ASan before serving from the mapping, 200 of them cost ≈ 290 MB; after, ≈ 2 MB.
TEST(docs, readers_that_never_read_cost_no_copy_of_the_asset) {
  constexpr int readers = 200;
  constexpr int small_window = 4096;  // SO_RCVBUF: the kernel cannot take the body off our hands
  constexpr long growth_bound_kb = 60 << 10;
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  // The first answer pages the mapping in: the baseline counts those pages once.
  ASSERT_EQ(http_request("GET", qgate.url(bundle_route)).status, 200);
  const long baseline = resident_kb(qgate.process->pid());
  ASSERT_GT(baseline, 0);
  std::vector<std::unique_ptr<raw_socket>> sockets;
  for (int i = 0; i < readers; ++i) {
    sockets.push_back(std::make_unique<raw_socket>(qgate.port, small_window));
    ASSERT_TRUE(sockets.back()->connected());
    sockets.back()->send("GET " + bundle_route + " HTTP/1.1\r\nHost: qgate\r\n\r\n");
  }
  // A header read means qgate has started that answer; the body stays unread.
  for (auto& socket : sockets) {
    ASSERT_EQ(socket->read_until("\r\n\r\n", std::chrono::seconds(10)).rfind("HTTP/1.1 200", 0),
              0u);
  }
  const long growth = resident_kb(qgate.process->pid()) - baseline;
  RecordProperty("rss_growth_kb", std::to_string(growth));
  EXPECT_LT(growth, growth_bound_kb)
      << "RSS grew by " << growth << " KB for " << readers << " unread answers";
}

TEST(cors, any_origin_in_open_mode) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  const auto preflight =
      http_request("OPTIONS", qgate.url("/api/llm/chat"), {},
                   {"Origin: http://localhost:9999", "Access-Control-Request-Method: POST",
                    "Access-Control-Request-Headers: content-type"});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers.count("content-length"), 0u);
  EXPECT_EQ(preflight.headers.at("access-control-allow-origin"), "*");
  EXPECT_EQ(preflight.headers.at("access-control-allow-methods"), "GET, POST, OPTIONS");
  EXPECT_EQ(preflight.headers.at("access-control-allow-headers"),
            "Content-Type, Authorization, X-API-Key, X-Request-Id");
  const auto chat =
      http_request("POST", qgate.url("/api/llm/chat"), chat_body("qwen-turbo", "cors", true),
                   {"Content-Type: application/json", "Origin: http://localhost:9999"});
  EXPECT_EQ(chat.status, 200);
  EXPECT_EQ(chat.headers.at("access-control-allow-origin"), "*");
  EXPECT_NE(chat.headers.at("access-control-expose-headers").find("X-Request-Id"),
            std::string::npos);
  const auto no_origin = http_request("GET", qgate.url("/api/llm/models"));
  EXPECT_EQ(no_origin.headers.count("access-control-allow-origin"), 0u);
}

TEST(cors, explicit_list_refuses_other_origins) {
  mock_upstream upstream;
  gateway_options options;
  options.env["QGATE_CORS_ALLOW_ORIGINS"] = "https://app.example.com, http://localhost:3000";
  gateway qgate(upstream.base_url(), options);
  const auto allowed =
      http_request("GET", qgate.url("/api/llm/models"), {}, {"Origin: http://localhost:3000"});
  EXPECT_EQ(allowed.headers.at("access-control-allow-origin"), "http://localhost:3000");
  EXPECT_EQ(allowed.headers.at("vary"), "Origin");
  const auto refused =
      http_request("OPTIONS", qgate.url("/api/llm/chat"), {},
                   {"Origin: https://evil.example", "Access-Control-Request-Method: POST"});
  EXPECT_EQ(refused.status, 204);
  EXPECT_EQ(refused.headers.count("access-control-allow-origin"), 0u);
  EXPECT_EQ(refused.headers.count("access-control-allow-methods"), 0u);
}

}  // namespace
}  // namespace qgate::testing
