// The foundation end to end: the real qgate binary, its catalog, its HTTP edge and its lifecycle.
#include "catalog/model_store.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/raw_socket.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  return root;
}

void expect_error(const http_response& response, long status, std::string_view symbol,
                  std::string_view message) {
  expect_error_envelope(response.status, response.body, status, symbol, message);
}

class gateway_http : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream();
    gateway_options options;
    options.env["QGATE_SERVER_MAX_BODY_BYTES"] = "65536";
    qgate_ = new gateway(upstream_->base_url(), options);
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
  }
  static mock_upstream* upstream_;
  static gateway* qgate_;
};

mock_upstream* gateway_http::upstream_ = nullptr;
gateway* gateway_http::qgate_ = nullptr;

TEST_F(gateway_http, lists_only_language_models_with_every_field) {
  const auto response = http_request("GET", qgate_->url("/api/llm/models"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.at("content-type"), "application/json; charset=utf-8");
  simdjson::dom::parser parser;
  auto root = parse(parser, response.body);
  EXPECT_EQ(int64_t(root["code"]), 200);
  EXPECT_EQ(std::string_view(root["message"]), "success");
  simdjson::dom::array models = root["data"];
  ASSERT_EQ(models.size(), 3u);
  std::int64_t previous_id = 0;
  std::vector<std::string_view> titles;
  for (simdjson::dom::object model : models) {
    EXPECT_EQ(model.size(), 13u);
    EXPECT_TRUE(model["id"].is_int64());
    EXPECT_GT(int64_t(model["id"]), previous_id);
    previous_id = int64_t(model["id"]);
    EXPECT_EQ(int64_t(model["type"]), 0);
    EXPECT_TRUE(model["is_featured"].is_bool());
    const std::string_view created = model["created_at"];
    EXPECT_EQ(created.size(), 19u);
    EXPECT_EQ(created[10], 'T');
    titles.push_back(model["title"]);
  }
  EXPECT_EQ(titles, (std::vector<std::string_view>{"qwen-turbo", "qwen-plus", "qwen-max"}));
}

TEST_F(gateway_http, unknown_path_and_wrong_method) {
  expect_error(http_request("GET", qgate_->url("/api/llm/nothing")), 404, "NOT_FOUND",
               "资源不存在");
  expect_error(http_request("GET", qgate_->url("/api")), 404, "NOT_FOUND", "资源不存在");
  const auto get_chat = http_request("GET", qgate_->url("/api/llm/chat"));
  expect_error(get_chat, 405, "METHOD_NOT_ALLOWED", "请求方法不被允许");
  EXPECT_EQ(get_chat.headers.at("allow"), "POST");
  expect_error(http_request("DELETE", qgate_->url("/api/llm/models")), 405, "METHOD_NOT_ALLOWED",
               "请求方法不被允许");
}

TEST_F(gateway_http, oversized_body_and_headers) {
  expect_error(http_request("POST", qgate_->url("/api/llm/chat"), std::string(70000, 'x'),
                            {"Content-Type: application/json"}),
               413, "PAYLOAD_TOO_LARGE", "请求体过大");
  expect_error(http_request("GET", qgate_->url("/api/llm/models"), {},
                            {"X-Big: " + std::string(20000, 'a')}),
               431, "HEADERS_TOO_LARGE", "请求头过大");
}

TEST_F(gateway_http, malformed_http_gets_400_and_close) {
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /api/llm/models HTTP/9.9\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /api/llm/chat HTTP/1.1\r\nContent-Length: zz\r\n\r\n")}) {
    raw_socket socket(qgate_->port);
    ASSERT_TRUE(socket.connected());
    socket.send(request);
    bool closed = false;
    const auto answer = socket.read_until_close(5s, closed);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << request << " → " << answer;
    EXPECT_NE(answer.find("\"error\":\"BAD_REQUEST\""), std::string::npos) << answer;
    EXPECT_TRUE(closed) << request;
  }
}

TEST_F(gateway_http, two_hundred_requests_on_one_keep_alive_connection) {
  http_session session;
  for (int i = 0; i < 200; ++i) {
    const auto response = session.request("GET", qgate_->url("/api/llm/models"));
    ASSERT_EQ(response.status, 200) << i;
  }
  EXPECT_EQ(session.connections_opened(), 1);
}

TEST_F(gateway_http, pipelined_requests_are_answered_in_order) {
  raw_socket socket(qgate_->port);
  socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answer = socket.read_until("资源不存在", 5s);
  const auto first = answer.find("HTTP/1.1 200");
  const auto second = answer.find("HTTP/1.1 404");
  ASSERT_NE(first, std::string::npos) << answer;
  ASSERT_NE(second, std::string::npos) << answer;
  EXPECT_LT(first, second);
}

TEST_F(gateway_http, expect_100_continue_is_answered_before_the_body) {
  raw_socket socket(qgate_->port);
  const std::string body = R"({"model":"qwen-x","messages":[{"role":"user","content":"x"}]})";
  socket.send(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_NE(socket.read_until("\r\n\r\n", 5s).find("HTTP/1.1 100 Continue"), std::string::npos);
  socket.send(body);
  EXPECT_NE(socket.read_until("INVALID_MODEL", 5s).find("HTTP/1.1 400"), std::string::npos);
}

TEST_F(gateway_http, request_pipelined_behind_a_pending_answer_is_served) {
  raw_socket socket(qgate_->port);
  socket.send(
      "GET /api/llm/models HTTP/1.1\r\nHost: x\r\n\r\nGET /api/llm/models HTTP/1.1\r\nHost: "
      "x\r\n\r\n");
  const auto answer = socket.read_until("qwen-max", 5s);
  const auto first = answer.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos) << answer;
  const auto twice = socket.read_until("__never__", 2s);
  EXPECT_NE(twice.find("HTTP/1.1 200", first + 1), std::string::npos) << twice;
}

TEST_F(gateway_http, request_id_is_echoed_or_generated) {
  const auto echoed =
      http_request("GET", qgate_->url("/api/llm/models"), {}, {"X-Request-Id: trace-42"});
  EXPECT_EQ(echoed.headers.at("x-request-id"), "trace-42");
  const auto generated = http_request("GET", qgate_->url("/api/llm/models"));
  EXPECT_EQ(generated.headers.at("x-request-id").size(), 32u);
  const auto again = http_request("GET", qgate_->url("/api/llm/models"));
  EXPECT_NE(again.headers.at("x-request-id"), generated.headers.at("x-request-id"));
}

TEST_F(gateway_http, access_log_has_one_line_per_request_without_secrets) {
  http_request("GET", qgate_->url("/api/llm/models?probe=access-log"), {},
               {"X-Request-Id: log-probe"});
  ASSERT_TRUE(eventually(
      [&] { return qgate_->process->output().find("id=log-probe") != std::string::npos; }));
  const auto output = qgate_->process->output();
  EXPECT_NE(output.find("GET /api/llm/models?probe=access-log 200"), std::string::npos);
  EXPECT_EQ(output.find(mock_key), std::string::npos) << "the API key must never be logged";
}

TEST_F(gateway_http, sees_catalog_changes_from_another_process) {
  {
    auto store = catalog::model_store::open((qgate_->directory / "catalog.db").string(), "");
    ASSERT_TRUE(store.has_value());
    model_info added;
    added.id = 42;
    added.title = "qwen-long";
    added.name = "通义千问-Long";
    ASSERT_TRUE(store.value().insert(added).has_value());
  }
  EXPECT_TRUE(eventually(
      [&] {
        return http_request("GET", qgate_->url("/api/llm/models")).body.find("qwen-long") !=
               std::string::npos;
      },
      2500ms));
}

TEST(gateway_lifecycle, sighup_reloads_the_catalog_at_once) {
  mock_upstream upstream;
  gateway_options options;
  options.env["QGATE_CATALOG_RELOAD_INTERVAL_MS"] = "3600000";  // only SIGHUP can reload
  gateway qgate(upstream.base_url(), options);
  {
    auto store = catalog::model_store::open((qgate.directory / "catalog.db").string(), "");
    ASSERT_TRUE(store.has_value());
    model_info added;
    added.id = 43;
    added.title = "qwen-hup";
    ASSERT_TRUE(store.value().insert(added).has_value());
  }
  EXPECT_EQ(http_request("GET", qgate.url("/api/llm/models")).body.find("qwen-hup"),
            std::string::npos);
  ::kill(qgate.process->pid(), SIGHUP);
  EXPECT_TRUE(eventually([&] {
    return http_request("GET", qgate.url("/api/llm/models")).body.find("qwen-hup") !=
           std::string::npos;
  }));
}

TEST(gateway_lifecycle, invalid_configuration_exits_2_naming_the_key) {
  child_process bad(qgate_binary, {"--port", "0"}, {{"QGATE_SERVER_IO_THREADS", "zero"}});
  EXPECT_EQ(bad.wait(10s), 2);
  EXPECT_NE(bad.output().find("io_threads"), std::string::npos) << bad.output();
}

TEST(gateway_lifecycle, sigterm_finishes_in_flight_stream_then_exits_0) {
  mock_upstream upstream({"--chunks", "10", "--chunk-interval-ms", "30"});
  gateway qgate(upstream.base_url());
  std::string body;
  std::atomic<bool> streaming{false};
  std::thread client([&] {
    stream_request(qgate.url("/api/llm/chat"), chat_body("qwen-turbo", "graceful", true),
                   {"Content-Type: application/json"}, [&](std::string_view chunk) {
                     body.append(chunk);
                     streaming = true;
                     return true;
                   });
  });
  EXPECT_TRUE(eventually([&] { return streaming.load(); }));
  ::kill(qgate.process->pid(), SIGTERM);
  client.join();
  EXPECT_EQ(qgate.process->terminate(10s), 0);
  EXPECT_NE(body.find("data: [DONE]"), std::string::npos) << body;
  EXPECT_NE(body.find("\"finish_reason\":\"stop\""), std::string::npos) << body;
}

TEST(gateway_lifecycle, json_log_lines_parse) {
  mock_upstream upstream;
  gateway_options options;
  options.env["QGATE_LOG_FORMAT"] = "json";
  gateway qgate(upstream.base_url(), options);
  http_request("GET", qgate.url("/api/llm/models"), {}, {"X-Request-Id: \"quoted\\"});
  EXPECT_EQ(qgate.process->terminate(10s), 0);
  simdjson::dom::parser parser;
  std::size_t lines = 0;
  const auto output = qgate.process->output();
  for (std::size_t start = 0; start < output.size();) {
    const auto end = output.find('\n', start);
    const auto line = output.substr(start, end - start);
    start = end == std::string::npos ? output.size() : end + 1;
    if (line.empty()) continue;
    simdjson::dom::element root;
    EXPECT_EQ(parser.parse(line).get(root), simdjson::SUCCESS) << line;
    ++lines;
  }
  EXPECT_GE(lines, 3u);
}

}  // namespace
}  // namespace qgate::testing
