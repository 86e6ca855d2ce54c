// The API docs served offline by qgate, and CORS for browser clients.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/raw_socket.hpp"
#include "tests/support/gunzip.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>

namespace qgate::testing {
namespace {

const std::vector<std::string> json_headers = {"Content-Type: application/json"};
const std::string bundle_route = "/docs/assets/swagger-ui-bundle.js";

const std::string bundle_file =
    std::string(QGATE_SOURCE_DIR) + "/web/node_modules/swagger-ui-dist/swagger-ui-bundle.js";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The variants are made in the background after start-up; qgate logs when they are published.
bool gzip_published(const gateway& qgate) {
  return eventually(
      [&] { return qgate.process->output().find("gzip variants ready") != std::string::npos; });
}

struct head_answer {
  std::map<std::string, std::string> headers;  // lower-case names, as http_request gives them
  bool body_empty = false;
  std::string after;  // what followed the header block
};

// HEAD over a raw socket (the test client's HEAD waits for a body), then a second request on the
// same connection: with no body sent, its answer starts right after HEAD's header block.
head_answer raw_head(std::uint16_t port, const std::string& path, const std::string& extra) {
  raw_socket socket(port);
  socket.send("HEAD " + path + " HTTP/1.1\r\nHost: qgate\r\n" + extra +
              "\r\nGET /nope HTTP/1.1\r\nHost: qgate\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const auto text = socket.read_until_close(std::chrono::seconds(10), closed);
  head_answer answer;
  const auto end = text.find("\r\n\r\n");
  if (end == std::string::npos) return answer;
  std::size_t line = text.find("\r\n") + 2;
  while (line < end + 2) {
    const auto next = text.find("\r\n", line);
    const auto header = text.substr(line, next - line);
    const auto colon = header.find(':');
    std::string name = header.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    answer.headers[name] = header.substr(header.find_first_not_of(' ', colon + 1));
    line = next + 2;
  }
  answer.after = text.substr(end + 4);
  answer.body_empty = answer.after.rfind("HTTP/1.1 404", 0) == 0;
  return answer;
}

std::map<std::string, std::string> without_request_id(std::map<std::string, std::string> headers) {
  headers.erase("x-request-id");
  return headers;
}

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

// A build made with CMake alone, or a wrong docs.assets_dir: no npm assets, no document beside
// the binary. The document is the copy built in; the pages say how to install the assets.
TEST(docs, without_its_files_the_document_is_built_in_and_the_pages_explain) {
  mock_upstream upstream;
  gateway_options options;
  options.env["QGATE_DOCS_ASSETS_DIR"] = "/nonexistent";
  options.env["QGATE_DOCS_OPENAPI"] = "/nonexistent/openapi.json";
  gateway qgate(upstream.base_url(), options);
  const auto openapi = http_request("GET", qgate.url("/openapi.json"));
  ASSERT_EQ(openapi.status, 200);
  EXPECT_EQ(openapi.headers.at("content-type"), "application/json; charset=utf-8");
  EXPECT_TRUE(openapi.body == read_file(std::string(QGATE_SOURCE_DIR) + "/http/docs/openapi.json"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(openapi.body).get(root), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(root["openapi"]), "3.1.0");
  EXPECT_TRUE(root["paths"]["/api/llm/chat"]["post"].is_object());

  for (const std::string page : {"/docs", "/redoc"}) {
    const auto hint = http_request("GET", qgate.url(page));
    ASSERT_EQ(hint.status, 200) << page;
    EXPECT_EQ(hint.headers.at("content-type"), "text/html; charset=utf-8") << page;
    EXPECT_NE(hint.body.find("scripts/install-deps.sh"), std::string::npos) << page;
    EXPECT_NE(hint.body.find("npm ci"), std::string::npos) << page;
    EXPECT_NE(hint.body.find("href=\"/openapi.json\""), std::string::npos) << page;
  }
  for (const std::string asset :
       {"/docs/assets/swagger-ui-bundle.js", "/redoc/assets/redoc.standalone.js"}) {
    const auto missing = http_request("GET", qgate.url(asset));
    expect_error_envelope(missing.status, missing.body, 404, "NOT_FOUND", "资源不存在");
  }
  EXPECT_NE(qgate.process->output().find("/nonexistent/openapi.json: serving the OpenAPI document"),
            std::string::npos);
}

TEST(docs, assets_are_gzipped_for_clients_that_accept_it) {
  mock_upstream upstream;
  gateway qgate(upstream.base_url());
  ASSERT_TRUE(gzip_published(qgate)) << qgate.process->output();
  const auto on_disk = read_file(bundle_file);
  ASSERT_GT(on_disk.size(), 1000000u);
  const auto url = qgate.url(bundle_route);

  const auto gzipped = http_request("GET", url, {}, {"Accept-Encoding: gzip, deflate, br"});
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(gzipped.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(gzipped.headers.at("vary"), "Accept-Encoding");
  EXPECT_EQ(gzipped.headers.at("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(gzipped.headers.at("content-length"), std::to_string(gzipped.body.size()));
  EXPECT_LT(gzipped.body.size(), on_disk.size() / 2);
  EXPECT_EQ(gunzip(gzipped.body), on_disk);

  // curl sends no Accept-Encoding unless told to: identity, still marked as varying.
  for (const auto& headers :
       {std::vector<std::string>{}, std::vector<std::string>{"Accept-Encoding: gzip;q=0, *"},
        std::vector<std::string>{"Accept-Encoding: identity"}}) {
    const auto identity = http_request("GET", url, {}, headers);
    ASSERT_EQ(identity.status, 200);
    EXPECT_EQ(identity.headers.count("content-encoding"), 0u);
    EXPECT_EQ(identity.headers.at("vary"), "Accept-Encoding");
    EXPECT_EQ(identity.headers.at("content-length"), std::to_string(on_disk.size()));
    EXPECT_TRUE(identity.body == on_disk);
  }

  // HEAD: the very headers GET sends, Content-Length included, and no body: the next answer on
  // the connection follows the header block at once.
  const auto head_gzip = raw_head(qgate.port, bundle_route, "Accept-Encoding: GZIP\r\n");
  EXPECT_EQ(without_request_id(head_gzip.headers), without_request_id(gzipped.headers));
  EXPECT_TRUE(head_gzip.body_empty) << head_gzip.after;
  const auto head = raw_head(qgate.port, bundle_route, "");
  EXPECT_EQ(head.headers.at("content-length"), std::to_string(on_disk.size()));
  EXPECT_EQ(head.headers.count("content-encoding"), 0u);
  EXPECT_TRUE(head.body_empty) << head.after;

  // The PNG is sent as it is, and does not vary.
  const auto icon = http_request("GET", qgate.url("/docs/assets/favicon-32x32.png"), {},
                                 {"Accept-Encoding: gzip"});
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.headers.count("content-encoding"), 0u);
  EXPECT_EQ(icon.headers.count("vary"), 0u);
  // The document and the pages are text too.
  const auto openapi =
      http_request("GET", qgate.url("/openapi.json"), {}, {"Accept-Encoding: gzip"});
  EXPECT_EQ(openapi.headers.at("content-encoding"), "gzip");
  EXPECT_EQ(gunzip(openapi.body),
            read_file(std::string(QGATE_SOURCE_DIR) + "/http/docs/openapi.json"));
}

TEST(docs, a_cors_vary_and_the_encoding_vary_are_both_kept) {
  mock_upstream upstream;
  gateway_options options;
  options.env["QGATE_CORS_ALLOW_ORIGINS"] = "http://localhost:3000";
  gateway qgate(upstream.base_url(), options);
  const auto css = http_request("GET", qgate.url("/docs/assets/swagger-ui.css"), {},
                                {"Origin: http://localhost:3000"});
  EXPECT_EQ(css.headers.at("access-control-allow-origin"), "http://localhost:3000");
  EXPECT_EQ(css.headers.at("vary"), "Origin, Accept-Encoding");
}

struct write_queues {
  int sockets = 0;
  long bytes = 0;
};

// What the kernel holds for qgate's side of the connections on `port` (`ss -m`: skmem w).
write_queues server_write_queues(std::uint16_t port) {
  const std::string command =
      "ss -tmnH state established '( sport = :" + std::to_string(port) + " )' 2>/dev/null";
  write_queues queues;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return queues;
  std::string text;
  char chunk[4096];
  while (const auto n = fread(chunk, 1, sizeof chunk, pipe.get())) text.append(chunk, n);
  for (auto at = text.find(",w"); at != std::string::npos; at = text.find(",w", at + 2)) {
    ++queues.sockets;
    queues.bytes += std::strtol(text.c_str() + at + 2, nullptr, 10);
  }
  return queues;
}

// Clients that ask for the 1.4 MB bundle and never read must not each hold a copy of it: measured
// under ASan before serving from the mapping, 200 of them cost ≈ 290 MB; after, ≈ 2 MB. Nor may
// the kernel take the whole bundle for each: ≈ 2 MB of socket buffer apiece without a limit on
// unsent bytes, ≈ 180 KB with it.
TEST(docs, readers_that_never_read_cost_no_copy_of_the_asset) {
  constexpr int readers = 200;
  constexpr int small_window = 4096;  // SO_RCVBUF: the kernel cannot take the body off our hands
  constexpr long growth_bound_kb = 60 << 10;
  constexpr long queue_bound_per_socket = 512 << 10;
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
  const auto queues = server_write_queues(qgate.port);
  ASSERT_GT(queues.sockets, 0) << "ss (iproute2, from scripts/install-deps.sh --test) must list "
                                  "qgate's sockets";
  EXPECT_GE(queues.sockets, readers);
  RecordProperty("kernel_write_queue_kb", std::to_string(queues.bytes >> 10));
  EXPECT_LT(queues.bytes / queues.sockets, queue_bound_per_socket)
      << queues.bytes / queues.sockets << " bytes queued per socket";
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
