// The mock DashScope's scripted faults in both modes, its request log, stats and shutdown.
#include "tests/integration/mock_dashscope_helpers.hpp"
#include "tests/integration/raw_socket.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace qgate::testing::mock_test {
namespace {

using namespace std::chrono_literals;

const std::string long_prompt = "abcdefghijklmnop";  // "mock:" + 16: 8 pieces, faults at 4

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class mock_faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mock_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete mock_;
    mock_ = nullptr;
  }
  // The fault is named by the X-Mock-Fault header or by a marker in the prompt.
  static http_response with_fault(const std::string& fault, bool by_header, bool stream) {
    auto headers = stream ? stream_headers : unary_headers;
    std::string prompt = long_prompt;
    if (by_header) {
      headers.push_back("X-Mock-Fault: " + fault);
    } else {
      prompt += " [[fault:" + fault + "]]";
    }
    return http_request("POST", mock_->url(), user_body(prompt), headers);
  }
  // Checks that the mock counts one more abort once `client_leaves` runs, and when.
  static void expect_abort_noticed(const std::function<void()>& client_leaves) {
    const auto aborted = stat(*mock_, "streams_aborted_by_peer");
    const auto left_at = now_ns();
    client_leaves();
    ASSERT_TRUE(eventually([&] { return stat(*mock_, "streams_aborted_by_peer") == aborted + 1; }));
    const auto noticed = stat(*mock_, "last_abort_monotonic_ns");
    EXPECT_GE(noticed, left_at);
    EXPECT_LE(noticed, now_ns());
    EXPECT_TRUE(eventually([&] { return stat(*mock_, "active_streams") == 0; }));
  }
  static running_mock* mock_;
};

running_mock* mock_faults::mock_ = nullptr;

struct error_fault {
  std::string name;
  long status;
  std::string code;
  std::string message;
};

TEST_F(mock_faults, errors_before_output_in_both_modes) {
  const std::vector<error_fault> faults = {
      {"auth", 401, "InvalidApiKey", "Invalid API-key provided."},
      {"throttle", 429, "Throttling.RateQuota",
       "Requests rate limit exceeded, please try again later."},
      {"internal", 500, "InternalError",
       "An internal error has occured, please try again later or contact service support."},
      {"unavailable", 503, "ModelUnavailable", "Model is unavailable, please try again later."},
      {"inspect", 400, "DataInspectionFailed", "Input data may contain inappropriate content."},
      {"context-length", 400, "InvalidParameter", "Range of input length should be [1, 129024]"},
  };
  for (const auto& f : faults) {
    for (const bool by_header : {true, false}) {
      SCOPED_TRACE(f.name + (by_header ? " by header" : " by marker"));
      const auto unary = with_fault(f.name, by_header, false);
      EXPECT_EQ(unary.status, f.status);
      const auto e = read_error(unary.body);
      EXPECT_EQ(e.code, f.code);
      EXPECT_EQ(e.message, f.message);
      EXPECT_EQ(e.request_id, header(unary, "x-request-id"));

      const auto streamed = with_fault(f.name, by_header, true);
      EXPECT_EQ(streamed.status, 200);
      EXPECT_EQ(header(streamed, "content-type"), "text/event-stream;charset=UTF-8");
      EXPECT_EQ(header(streamed, "connection"), "close");
      const std::string data = R"({"code":")" + f.code + R"(","message":")" + f.message +
                               R"(","request_id":")" + header(streamed, "x-request-id") + "\"}";
      EXPECT_EQ(streamed.body, "id:1\nevent:error\n:HTTP_STATUS/" + std::to_string(f.status) +
                                   "\ndata:" + data + "\n\n");
    }
  }
}

TEST_F(mock_faults, inspect_mid_fails_after_half_the_answer) {
  const auto events = parse_sse(with_fault("inspect-mid", true, true).body);
  ASSERT_EQ(events.size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(events[i].event, "result");
    EXPECT_EQ(read_result(events[i].data).finish, "null");
  }
  EXPECT_EQ(events[4].id, "5");
  EXPECT_EQ(events[4].event, "error");
  EXPECT_EQ(events[4].status, "400");
  const auto e = read_error(events[4].data);
  EXPECT_EQ(e.code, "DataInspectionFailed");
  EXPECT_EQ(e.message, "Output data may contain inappropriate content.");

  const auto unary = with_fault("inspect-mid", false, false);
  EXPECT_EQ(unary.status, 400);
  EXPECT_EQ(read_error(unary.body).message, "Output data may contain inappropriate content.");
}

TEST_F(mock_faults, drop_mid_closes_without_finishing) {
  const auto streamed = with_fault("drop-mid", false, true);
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.curl_code, CURLE_PARTIAL_FILE);
  const auto events = parse_sse(streamed.body);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(read_result(events.back().data).finish, "null");

  const auto unary = with_fault("drop-mid", true, false);
  EXPECT_EQ(unary.status, 200);
  EXPECT_EQ(unary.curl_code, CURLE_PARTIAL_FILE);
  EXPECT_LT(unary.body.size(), std::stoul(header(unary, "content-length")));
  EXPECT_TRUE(unary.body.starts_with(R"({"output":{"finish_reason":"stop","text":"mock:)"));
}

TEST_F(mock_faults, stall_first_sends_nothing_until_the_client_leaves) {
  for (const bool stream : {false, true}) {
    for (const std::string name : {"stall-first", "no-response"}) {
      SCOPED_TRACE(name + (stream ? " stream" : " unary"));
      raw_socket socket(mock_->port);
      socket.send(raw_post(user_body("[[fault:" + name + "]]"), stream));
      ASSERT_TRUE(eventually([&] { return stat(*mock_, "active_streams") == 1; }));
      bool closed = false;
      EXPECT_EQ(socket.read_until_close(200ms, closed), "");
      EXPECT_FALSE(closed);
      expect_abort_noticed([&] { socket.close(); });
    }
  }
}

TEST_F(mock_faults, stall_mid_sends_half_then_nothing) {
  raw_socket stream(mock_->port);
  stream.send(raw_post(user_body(long_prompt + " [[fault:stall-mid]]"), true));
  const std::string events = stream.read_until("id:5", 300ms);
  EXPECT_NE(events.find("id:4\nevent:result"), std::string::npos) << events;
  EXPECT_EQ(events.find("id:5"), std::string::npos) << events;
  EXPECT_FALSE(events.ends_with("0\r\n\r\n"));
  expect_abort_noticed([&] { stream.close(); });

  raw_socket unary(mock_->port);
  unary.send(raw_post(user_body(long_prompt + " [[fault:stall-mid]]"), false));
  const std::string head = unary.read_until("\r\n\r\n", 5s);
  bool closed = false;
  const std::string partial = unary.read_until_close(200ms, closed);
  EXPECT_FALSE(closed);
  const auto length_at = partial.find("Content-Length: ");
  ASSERT_NE(length_at, std::string::npos) << partial;
  const auto promised = std::stoul(partial.substr(length_at + 16));
  EXPECT_LT(partial.size() - partial.find("\r\n\r\n") - 4, promised);
  expect_abort_noticed([&] { unary.close(); });
}

TEST_F(mock_faults, malformed_answers_are_not_json) {
  const auto unary = with_fault("malformed", true, false);
  EXPECT_EQ(unary.status, 200);
  EXPECT_EQ(header(unary, "content-type"), "application/json");
  EXPECT_EQ(unary.body, R"({"output": {"choices": [)");
  simdjson::dom::parser parser;
  EXPECT_NE(parser.parse(unary.body).error(), simdjson::SUCCESS);

  const auto streamed = with_fault("malformed", false, true);
  EXPECT_EQ(streamed.curl_code, CURLE_OK);
  EXPECT_EQ(streamed.body, "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{oops\n\n");
}

TEST_F(mock_faults, reflect_echoes_every_request_header) {
  auto headers = unary_headers;
  headers.push_back("X-Mock-Fault: reflect");
  const auto unary = http_request("POST", mock_->url(), user_body("echo"), headers);
  EXPECT_EQ(unary.status, 500);
  const auto e = read_error(unary.body);
  EXPECT_EQ(e.code, "InternalError");
  EXPECT_TRUE(e.message.starts_with("Request headers as received:\n")) << e.message;
  EXPECT_NE(e.message.find("\nAuthorization: Bearer sk-qgate-mock\n"), std::string::npos);
  EXPECT_NE(e.message.find("\nX-Mock-Fault: reflect\n"), std::string::npos);
  EXPECT_NE(e.message.find("\nContent-Type: application/json\n"), std::string::npos);

  // In a stream the echo comes after half the answer, as the stream's last event.
  const auto events = parse_sse(with_fault("reflect", false, true).body);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[3].event, "result");
  EXPECT_EQ(events[4].event, "error");
  EXPECT_EQ(events[4].status, "500");
  EXPECT_NE(read_error(events[4].data).message.find("Authorization: Bearer sk-qgate-mock\n"),
            std::string::npos);
}

TEST_F(mock_faults, reflect_code_is_long_and_hostile) {
  const auto unary = with_fault("reflect-code", true, false);
  EXPECT_EQ(unary.status, 400);
  const auto e = read_error(unary.body);
  EXPECT_TRUE(e.code.starts_with("InvalidParameter\n[")) << e.code;
  EXPECT_GT(e.code.size(), 300u);
  EXPECT_NE(e.code.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_NE(e.code.find("Bearer sk-qgate-mock"), std::string::npos);
  EXPECT_NE(e.message.find("Authorization: Bearer sk-qgate-mock\n"), std::string::npos);

  const auto streamed = with_fault("reflect-code", false, true);
  EXPECT_EQ(streamed.status, 200);
  const auto events = parse_sse(streamed.body);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "error");
  EXPECT_EQ(events[0].status, "400");
  EXPECT_EQ(read_error(events[0].data).code.size(), e.code.size());
}

TEST_F(mock_faults, html_is_a_502_page_in_both_modes) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const auto response = with_fault("html", !stream, stream);
    EXPECT_EQ(response.status, 502);
    EXPECT_EQ(header(response, "content-type"), "text/html");
    EXPECT_TRUE(response.body.starts_with("<html>\r\n<head><title>502 Bad Gateway"))
        << response.body;
    simdjson::dom::parser parser;
    EXPECT_NE(parser.parse(response.body).error(), simdjson::SUCCESS);
  }
}

TEST_F(mock_faults, throttle_retry_is_a_429_with_retry_after) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const auto response = with_fault("throttle-retry", stream, stream);
    EXPECT_EQ(response.status, 429);
    EXPECT_EQ(header(response, "retry-after"), "7");
    EXPECT_EQ(header(response, "content-type"), "application/json");
    EXPECT_EQ(read_error(response.body).code, "Throttling.RateQuota");
    const auto garbage = http_request(
        "POST", mock_->url(), user_body("x [[fault:throttle-retry]] [[retry-after:-5 abc]]"),
        stream ? stream_headers : unary_headers);
    EXPECT_EQ(header(garbage, "retry-after"), "-5 abc");
  }
  // The marker adds the header to the plain throttle fault too, in a stream on the 200 head.
  const auto streamed = http_request(
      "POST", mock_->url(), user_body("x [[fault:throttle]] [[retry-after:7]]"), stream_headers);
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(header(streamed, "retry-after"), "7");
  EXPECT_EQ(parse_sse(streamed.body).at(0).status, "429");
  EXPECT_EQ(header(with_fault("throttle", true, false), "retry-after"), "");
  const auto other = http_request(
      "POST", mock_->url(), user_body("x [[fault:internal]] [[retry-after:7]]"), unary_headers);
  EXPECT_EQ(header(other, "retry-after"), "");
}

TEST_F(mock_faults, reset_closes_before_any_header) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const auto response = with_fault("reset", stream, stream);
    EXPECT_EQ(response.status, 0);
    EXPECT_TRUE(response.curl_code == CURLE_RECV_ERROR || response.curl_code == CURLE_GOT_NOTHING)
        << response.curl_code;
    EXPECT_EQ(response.body, "");
  }
}

TEST_F(mock_faults, no_end_closes_the_stream_cleanly_without_the_final_event) {
  const auto streamed = with_fault("no-end", true, true);
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.curl_code, CURLE_OK);
  const auto events = parse_sse(streamed.body);
  ASSERT_EQ(events.size(), 8u);
  for (const auto& e : events) {
    EXPECT_EQ(e.event, "result");
    EXPECT_EQ(read_result(e.data).finish, "null");
  }
  EXPECT_EQ(read_result(events.back().data).text, "mock:" + long_prompt);  // cumulative output
  // A whole body has no end event to leave out: the unary answer is the normal one.
  const auto unary = with_fault("no-end", false, false);
  EXPECT_EQ(unary.status, 200);
  EXPECT_EQ(read_result(unary.body).finish, "stop");
}

TEST_F(mock_faults, flaky_fails_once_and_flap_alternates) {
  const auto status_of = [&](const std::string& prompt, bool stream) {
    const auto response = http_request("POST", mock_->url(), user_body(prompt),
                                       stream ? stream_headers : unary_headers);
    if (!stream || response.status != 200) return response.status;
    const auto events = parse_sse(response.body);
    return events.empty() || events[0].event == "result" ? 200L : std::stol(events[0].status);
  };
  EXPECT_EQ(status_of("a [[flaky:mock-test-1]]", false), 500);
  EXPECT_EQ(status_of("a [[flaky:mock-test-1]]", false), 200);
  EXPECT_EQ(status_of("a [[flaky:mock-test-1]]", true), 200);
  EXPECT_EQ(status_of("a [[flaky:mock-test-2]]", true), 500);
  EXPECT_EQ(status_of("a [[flaky:mock-test-2]]", true), 200);
  for (const long expected : {503L, 200L, 503L, 200L}) {
    EXPECT_EQ(status_of("a [[flap:mock-test-3]]", false), expected);
  }
}

TEST_F(mock_faults, records_requests_newest_last) {
  const auto url = mock_->url("/mock/requests");
  EXPECT_EQ(http_request("DELETE", url).status, 200);
  auto headers = unary_headers;
  headers.push_back("X-Trace: abc");
  const std::string first = user_body("recorded \"quote\"");
  http_request("POST", mock_->url(), first, headers);
  http_request("POST", mock_->url(), user_body("second"), unary_headers);
  http_request("GET", mock_->url("/mock/stats"));

  const auto listed = http_request("GET", url);
  simdjson::dom::parser parser;
  simdjson::dom::array requests;
  ASSERT_EQ(parser.parse(listed.body).get(requests), simdjson::SUCCESS) << listed.body;
  ASSERT_EQ(requests.size(), 2u);
  const auto oldest = requests.at(0).value();
  EXPECT_EQ(std::string_view(oldest["method"]), "POST");
  EXPECT_EQ(std::string_view(oldest["target"]), generation_path);
  EXPECT_EQ(std::string_view(oldest["headers"]["X-Trace"]), "abc");
  EXPECT_EQ(std::string_view(oldest["headers"]["Authorization"]), "Bearer sk-qgate-mock");
  EXPECT_EQ(std::string_view(oldest["body"]), first);
  EXPECT_LT(int64_t(oldest["seq"]), int64_t(requests.at(1)["seq"]));
  EXPECT_EQ(std::string_view(requests.at(1)["body"]), user_body("second"));

  EXPECT_EQ(http_request("DELETE", url).status, 200);
  EXPECT_EQ(http_request("GET", url).body, "[]");
}

TEST(mock_dashscope_record, keeps_only_the_last_n) {
  running_mock mock({"--record", "2"});
  for (const auto* prompt : {"prompt-one", "prompt-two", "prompt-three"}) {
    http_request("POST", mock.url(), user_body(prompt), unary_headers);
  }
  const auto listed = http_request("GET", mock.url("/mock/requests")).body;
  EXPECT_EQ(listed.find("prompt-one"), std::string::npos) << listed;
  EXPECT_NE(listed.find("prompt-three"), std::string::npos) << listed;
}

TEST_F(mock_faults, stats_count_completed_and_aborted_streams) {
  const auto completed = stat(*mock_, "streams_completed");
  http_request("POST", mock_->url(), user_body("done"), stream_headers);
  EXPECT_EQ(stat(*mock_, "streams_completed"), completed + 1);
  EXPECT_GE(stat(*mock_, "requests"), 1);

  expect_abort_noticed([&] {
    const auto result = stream_request(mock_->url(), user_body("[[chunks:50]][[interval:50]] x"),
                                       stream_headers, [](std::string_view) { return false; });
    EXPECT_EQ(result.curl_code, CURLE_WRITE_ERROR);
  });
  EXPECT_TRUE(eventually([&] { return stat(*mock_, "open_connections") == 1; }));
}

TEST(mock_dashscope_lifecycle, sigterm_exits_zero_even_with_a_stalled_client) {
  running_mock mock;
  raw_socket socket(mock.port);
  socket.send(raw_post(user_body("[[fault:stall-first]]"), true));
  ASSERT_TRUE(eventually([&] { return stat(mock, "active_streams") == 1; }));
  EXPECT_EQ(mock.process.terminate(5s), 0);
}

TEST(mock_dashscope_lifecycle, rejects_bad_options) {
  child_process bad(binary, {"--chunks", "0"}, {});
  EXPECT_EQ(bad.wait(5s), 2);
  EXPECT_NE(bad.output().find("bad option --chunks 0"), std::string::npos) << bad.output();
  child_process help(binary, {"--help"}, {});
  EXPECT_EQ(help.wait(5s), 0);
  EXPECT_NE(help.output().find("--chunk-interval-ms"), std::string::npos) << help.output();
}

}  // namespace
}  // namespace qgate::testing::mock_test
