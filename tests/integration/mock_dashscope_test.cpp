// The mock DashScope itself: answers, exact SSE framing, validation, routing, keep-alive.
#include "tests/integration/mock_dashscope_helpers.hpp"
#include "tests/integration/raw_socket.hpp"

#include <gtest/gtest.h>

namespace qgate::testing::mock_test {
namespace {

using namespace std::chrono_literals;

class mock_dashscope : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mock_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete mock_;
    mock_ = nullptr;
  }
  static http_response post(const std::string& body, bool stream = false) {
    return http_request("POST", mock_->url(), body, stream ? stream_headers : unary_headers);
  }
  static running_mock* mock_;
};

running_mock* mock_dashscope::mock_ = nullptr;

TEST_F(mock_dashscope, unary_message_format_echoes_the_prompt) {
  const auto response = post(user_body("hello world", R"({"result_format":"message"})"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(header(response, "content-type"), "application/json");
  const auto r = read_result(response.body);
  EXPECT_EQ(r.text, "mock:hello world");
  EXPECT_EQ(r.finish, "stop");
  EXPECT_EQ(r.input, 11);
  EXPECT_EQ(r.output, 8);  // 16 code points in the default 8 pieces
  EXPECT_EQ(r.total, 19);
  EXPECT_EQ(r.request_id, header(response, "x-request-id"));
  EXPECT_EQ(r.request_id.size(), 36u);
  EXPECT_TRUE(response.body.starts_with(R"({"output":{"choices":[{"finish_reason":"stop",)"));
}

TEST_F(mock_dashscope, unary_text_format_is_the_default) {
  const auto response = post(user_body("你好"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_TRUE(response.body.starts_with(R"({"output":{"finish_reason":"stop","text":"mock:你好"})"))
      << response.body;
  const auto r = read_result(response.body);
  EXPECT_EQ(r.input, 2);
  EXPECT_EQ(r.output, 7);  // fewer code points than chunks: one piece each
  EXPECT_EQ(r.total, 9);
}

TEST_F(mock_dashscope, answers_the_last_user_message_and_counts_every_message) {
  const auto messages =
      R"([{"role":"system","content":"be brief"},{"role":"user","content":"first"},)"
      R"({"role":"assistant","content":"ok"},{"role":"user","content":"second"}])";
  const auto r = read_result(post(body_with(messages, R"({"unknown":[1,{"x":2}]})")).body);
  EXPECT_EQ(r.text, "mock:second");
  EXPECT_EQ(r.input, 8 + 5 + 2 + 6);

  const auto legacy = http_request(
      "POST", mock_->url(), R"({"model":"qwen-max","input":{"prompt":"legacy"}})", unary_headers);
  EXPECT_EQ(read_result(legacy.body).text, "mock:legacy");
}

TEST(mock_dashscope_stream, framing_is_byte_exact_and_the_connection_closes) {
  running_mock mock({"--chunks", "2"});
  const auto body = user_body("hi", R"({"incremental_output":true})");
  const auto response = http_request("POST", mock.url(), body, stream_headers);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(header(response, "content-type"), "text/event-stream;charset=UTF-8");
  EXPECT_EQ(header(response, "connection"), "close");
  const std::string id = header(response, "x-request-id");
  const auto event = [&id](int n, std::string_view finish, std::string_view text, int output) {
    return "id:" + std::to_string(n) +
           "\nevent:result\n:HTTP_STATUS/200\ndata:" + R"({"output":{"finish_reason":")" +
           std::string(finish) + R"(","text":")" + std::string(text) +
           R"("},"usage":{"input_tokens":2,"output_tokens":)" + std::to_string(output) +
           R"(,"total_tokens":)" + std::to_string(2 + output) + R"(},"request_id":")" + id +
           "\"}\n\n";
  };
  EXPECT_EQ(response.body,
            event(1, "null", "mock", 1) + event(2, "null", ":hi", 2) + event(3, "stop", "", 2));

  // On the wire: chunked, terminated, and closed by the mock.
  raw_socket socket(mock.port);
  socket.send(raw_post(body, true));
  bool closed = false;
  const std::string wire = socket.read_until_close(5s, closed);
  EXPECT_TRUE(closed);
  EXPECT_NE(wire.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << wire;
  EXPECT_TRUE(wire.ends_with("\r\n0\r\n\r\n")) << wire;
  EXPECT_EQ(wire.find("[DONE]"), std::string::npos);
}

TEST_F(mock_dashscope, incremental_events_carry_pieces_cumulative_events_the_text_so_far) {
  const std::string prompt = "abcdefghijklmnop";
  const std::string answer = "mock:" + prompt;
  for (const bool incremental : {true, false}) {
    for (const std::string_view format : {"text", "message"}) {
      SCOPED_TRACE(std::string(format) + (incremental ? " incremental" : " cumulative"));
      const std::string parameters = R"({"result_format":")" + std::string(format) +
                                     R"(","incremental_output":)" +
                                     (incremental ? "true" : "false") + "}";
      const auto response = post(user_body(prompt, parameters), true);
      ASSERT_EQ(response.status, 200);
      EXPECT_EQ(response.body.find("[DONE]"), std::string::npos);
      const auto events = parse_sse(response.body);
      ASSERT_EQ(events.size(), 9u);  // 8 pieces and the final event
      std::string joined;
      std::string previous;
      for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].id, std::to_string(i + 1));
        EXPECT_EQ(events[i].event, "result");
        EXPECT_EQ(events[i].status, "200");
        const auto r = read_result(events[i].data);
        const bool last = i + 1 == events.size();
        EXPECT_EQ(r.finish, last ? "stop" : "null");
        EXPECT_EQ(r.output, last ? 8 : static_cast<std::int64_t>(i + 1));
        EXPECT_EQ(r.input, 16);
        EXPECT_EQ(r.total, r.input + r.output);
        EXPECT_EQ(r.request_id, header(response, "x-request-id"));
        if (incremental) {
          EXPECT_EQ(r.text.empty(), last);
          joined += r.text;
        } else {
          EXPECT_TRUE(last || (r.text.starts_with(previous) && r.text.size() > previous.size()));
          previous = r.text;
        }
      }
      EXPECT_EQ(incremental ? joined : previous, answer);
    }
  }
}

TEST_F(mock_dashscope, pieces_split_at_code_points) {
  const auto response =
      post(user_body("你好世界，今天天气很好", R"({"incremental_output":true})"), true);
  std::string joined;
  for (const auto& e : parse_sse(response.body)) joined += read_result(e.data).text;
  EXPECT_EQ(joined, "mock:你好世界，今天天气很好");
}

TEST_F(mock_dashscope, accept_event_stream_alone_also_streams) {
  const auto response =
      http_request("POST", mock_->url(), user_body("x"), {key_header, "Accept: text/event-stream"});
  EXPECT_EQ(header(response, "content-type"), "text/event-stream;charset=UTF-8");
  EXPECT_EQ(parse_sse(response.body).size(), 7u);
}

TEST_F(mock_dashscope, max_tokens_cuts_the_answer_with_length) {
  const std::string body = user_body("abcdefghijklmnop", R"({"max_tokens":3})");
  const auto unary = read_result(post(body).body);
  EXPECT_EQ(unary.text, "mock:abcd");  // 21 code points in 8 pieces: 3+3+3 first
  EXPECT_EQ(unary.finish, "length");
  EXPECT_EQ(unary.output, 3);
  const auto events = parse_sse(post(body, true).body);
  ASSERT_EQ(events.size(), 4u);
  const auto last = read_result(events.back().data);
  EXPECT_EQ(last.finish, "length");
  EXPECT_EQ(last.output, 3);
  EXPECT_EQ(last.text, "mock:abcd");
}

TEST_F(mock_dashscope, a_wrong_key_is_401_in_both_modes) {
  for (const auto& auth : {"Authorization: Bearer sk-wrong", "X-Nothing: 1"}) {
    for (const bool stream : {false, true}) {
      std::vector<std::string> headers = {auth};
      if (stream) headers.push_back(sse_header);
      const auto response = http_request("POST", mock_->url(), user_body("x"), headers);
      EXPECT_EQ(response.status, 401);
      const auto e = read_error(response.body);
      EXPECT_EQ(e.code, "InvalidApiKey");
      EXPECT_EQ(e.message, "Invalid API-key provided.");
      EXPECT_EQ(e.request_id, header(response, "x-request-id"));
    }
  }
}

TEST_F(mock_dashscope, validation_uses_dashscope_messages_in_both_modes) {
  const std::string bad_role =
      "Role must be user or assistant and Content length must be greater than 0";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "Required body invalid, please check the request body format."},
      {user_body("x", R"({"temperature":2.0})"), "Temperature should be in [0.0, 2.0)"},
      {user_body("x", R"({"temperature":-0.1})"), "Temperature should be in [0.0, 2.0)"},
      {user_body("x", R"({"top_p":0})"), "Range of top_p should be (0.0, 1.0]"},
      {user_body("x", R"({"top_p":1.01})"), "Range of top_p should be (0.0, 1.0]"},
      {user_body("x", R"({"max_tokens":0})"), "Range of max_tokens should be [1, 8192]"},
      {user_body("x", R"({"max_tokens":8193})"), "Range of max_tokens should be [1, 8192]"},
      {body_with("[]"), bad_role},
      {user_body(""), bad_role},
      {body_with(R"([{"role":"system","content":"s"}])"),
       "The input messages do not contain elements with the role of user."},
      {body_with(R"([{"role":"user","content":"x"}])", "{}", "gpt-4o"), "Model not exist."},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    const auto unary = post(body);
    EXPECT_EQ(unary.status, 400);
    const auto e = read_error(unary.body);
    EXPECT_EQ(e.code, "InvalidParameter");
    EXPECT_EQ(e.message, message);

    const auto streamed = post(body, true);
    EXPECT_EQ(streamed.status, 200);
    const auto events = parse_sse(streamed.body);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[0].event, "error");
    EXPECT_EQ(events[0].status, "400");
    EXPECT_EQ(read_error(events[0].data).message, message);
  }
  const auto edges = user_body("x", R"({"temperature":0,"top_p":1.0,"max_tokens":8192})");
  EXPECT_EQ(post(edges).status, 200);
  EXPECT_EQ(post(user_body("x", R"({"temperature":1.99,"max_tokens":1})")).status, 200);
}

TEST_F(mock_dashscope, unknown_paths_are_404_and_get_is_405) {
  const auto missing = http_request("POST", mock_->url("/api/v1/nothing"), "{}", unary_headers);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(read_error(missing.body).code, "NotFound");
  EXPECT_EQ(read_error(missing.body).message, "url error, please check url！");
  const auto get = http_request("GET", mock_->url(), {}, unary_headers);
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(read_error(get.body).message, "Request method 'GET' is not supported.");
}

TEST_F(mock_dashscope, keeps_unary_connections_alive) {
  http_session session;
  for (int i = 0; i < 3; ++i) {
    const auto response = session.request("POST", mock_->url(), user_body("again"), unary_headers);
    EXPECT_EQ(read_result(response.body).text, "mock:again");
  }
  EXPECT_EQ(session.connections_opened(), 1);
}

TEST_F(mock_dashscope, answers_expect_100_continue_before_the_body) {
  const std::string body = user_body("large");
  raw_socket socket(mock_->port);
  socket.send("POST " + std::string(generation_path) + " HTTP/1.1\r\nHost: x\r\n" + key_header +
              "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n");
  EXPECT_EQ(socket.read_until("\r\n\r\n", 5s), "HTTP/1.1 100 Continue\r\n\r\n");
  socket.send(body);
  EXPECT_NE(socket.read_until("mock:large", 5s).find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(mock_dashscope, markers_override_chunks_and_first_byte) {
  EXPECT_EQ(parse_sse(post(user_body("abcdefgh [[chunks:3]]"), true).body).size(), 4u);
  const auto started = std::chrono::steady_clock::now();
  const auto response = post(user_body("slow [[first-byte:150]]"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms);
  EXPECT_EQ(read_result(response.body).text, "mock:slow [[first-byte:150]]");
}

}  // namespace
}  // namespace qgate::testing::mock_test
