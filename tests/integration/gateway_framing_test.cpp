// How the real qgate frames requests a hostile client sends (RFC 9112): bodies it cannot delimit
// close the connection, so nothing after them is ever read as a request of its own.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/raw_socket.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

std::string hex(std::size_t number) {
  char text[32];
  std::snprintf(text, sizeof text, "%zx", number);
  return text;
}

std::string body_of(const std::string& answer) {
  const auto start = answer.find("\r\n\r\n");
  return start == std::string::npos ? std::string() : answer.substr(start + 4);
}

class gateway_framing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream();
    qgate_ = new gateway(upstream_->base_url());
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
  }

  // Sends `request`; reads until the gateway closes.
  static std::string exchange(const std::string& request, bool& closed) {
    raw_socket socket(qgate_->port);
    EXPECT_TRUE(socket.connected());
    socket.send(request);
    return socket.read_until_close(5s, closed);
  }

  // One 400 BAD_REQUEST, then the close: whatever followed the bad request is never answered.
  static void expect_one_bad_request_then_close(const std::string& request) {
    bool closed = false;
    const auto answer = exchange(request, closed);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << request << "\n→ " << answer;
    EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1u) << "a smuggled request was served:\n" << answer;
    EXPECT_NE(answer.find("\r\nConnection: close\r\n"), std::string::npos) << answer;
    expect_error_envelope(400, body_of(answer), 400, "BAD_REQUEST", "请求格式错误");
    EXPECT_TRUE(closed) << request;
  }

  static mock_upstream* upstream_;
  static gateway* qgate_;
};

mock_upstream* gateway_framing::upstream_ = nullptr;
gateway* gateway_framing::qgate_ = nullptr;

// qgate decodes no coding but chunked: anything else could only be misread (RFC 9112 §6.3).
TEST_F(gateway_framing, transfer_encoding_other_than_chunked_is_400_and_close) {
  for (const std::string_view coding :
       {"xchunked", "gzip", "chunked, identity", "identity", "chunked, chunked", "",
        "gzip, chunked", "chunked\r\nTransfer-Encoding: gzip",
        "gzip\r\nTransfer-Encoding: xchunked"}) {
    SCOPED_TRACE(std::string(coding));
    expect_one_bad_request_then_close(
        "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + std::string(coding) +
        "\r\n\r\n" + smuggled);
  }
}

TEST_F(gateway_framing, transfer_encoding_with_content_length_is_400_and_close) {
  expect_one_bad_request_then_close(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n"
      "\r\nabc" +
      smuggled);
  expect_one_bad_request_then_close(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n" +
      smuggled);
  expect_one_bad_request_then_close(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
      "5\r\n\r\n0\r\n\r\n" +
      smuggled);
}

TEST_F(gateway_framing, obsolete_line_folding_is_400_and_close) {
  expect_one_bad_request_then_close(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n" + smuggled);
  expect_one_bad_request_then_close(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n\tb\r\n\r\n" + smuggled);
  expect_one_bad_request_then_close("GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n" + smuggled);
}

TEST_F(gateway_framing, a_chunked_body_still_works) {
  const auto body = chat_body("qwen-turbo", "chunked", false);
  bool closed = false;
  const auto answer = exchange(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n" +
          hex(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n",
      closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
}

TEST_F(gateway_framing, absolute_form_targets_are_routed_on_their_path) {
  const std::string authority = "127.0.0.1:" + std::to_string(qgate_->port);
  const auto body = chat_body("qwen-turbo", "absolute", false);
  bool closed = false;
  auto answer =
      exchange("POST http://" + authority + "/api/llm/chat HTTP/1.1\r\nHost: " + authority +
                   "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                   "Content-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body,
               closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_NE(answer.find("mock:"), std::string::npos) << answer;

  answer = exchange("GET HTTP://" + authority +
                        "/api/llm/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_NE(answer.find("qwen-max"), std::string::npos) << answer;

  // The query string survives: the same answer as the origin-form request.
  const auto origin =
      http_request("GET", qgate_->url("/api/llm/usage?from=2026-01-01&to=2026-01-02"));
  answer = exchange(
      "GET https://gateway.example/api/llm/usage?from=2026-01-01&to=2026-01-02 "
      "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + std::to_string(origin.status))) << answer;
  EXPECT_EQ(body_of(answer), origin.body);
  answer = exchange(
      "GET https://gateway.example/api/llm/usage?from=nope HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n",
      closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;

  // No path at all is `/`.
  const auto root = http_request("GET", qgate_->url("/"));
  answer = exchange("GET http://" + authority + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + std::to_string(root.status))) << answer;
}

}  // namespace
}  // namespace qgate::testing

namespace qgate::testing {
namespace {

// A request that has begun but does not arrive in time is told so (408) before the close; an idle
// connection is closed without a word, as nginx and Envoy do.
class gateway_read_timeout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream();
    gateway_options options;
    options.env["QGATE_SERVER_HEADER_TIMEOUT_MS"] = "300";
    options.env["QGATE_SERVER_KEEPALIVE_TIMEOUT_MS"] = "300";
    qgate_ = new gateway(upstream_->base_url(), options);
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
  }

  static void expect_408_then_close(const std::string& partial) {
    raw_socket socket(qgate_->port);
    ASSERT_TRUE(socket.connected());
    socket.send(partial);
    bool closed = false;
    const auto answer = socket.read_until_close(5s, closed);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << partial << "\n→ " << answer;
    EXPECT_NE(answer.find("\r\nConnection: close\r\n"), std::string::npos) << answer;
    expect_error_envelope(408, body_of(answer), 408, "REQUEST_TIMEOUT", "请求读取超时");
    EXPECT_TRUE(closed);
  }

  static mock_upstream* upstream_;
  static gateway* qgate_;
};

mock_upstream* gateway_read_timeout::upstream_ = nullptr;
gateway* gateway_read_timeout::qgate_ = nullptr;

TEST_F(gateway_read_timeout, half_a_header_gets_408_and_close) {
  expect_408_then_close("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  expect_408_then_close("G");
}

TEST_F(gateway_read_timeout, half_a_body_gets_408_and_close) {
  expect_408_then_close(
      "POST /api/llm/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"model\":");
}

TEST_F(gateway_read_timeout, idle_connections_close_without_a_word) {
  raw_socket fresh(qgate_->port);
  bool closed = false;
  EXPECT_EQ(fresh.read_until_close(5s, closed), "");
  EXPECT_TRUE(closed);

  raw_socket kept(qgate_->port);
  kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto answer = kept.read_until_close(5s, closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1u) << answer;
}

}  // namespace
}  // namespace qgate::testing
