// The mock's OpenAI-compatible endpoint failing: errors before output as HTTP statuses in
// OpenAI's shape, an error event in a stream that began, and cut, reset or broken answers.
#include "tests/integration/mock_compat_helpers.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace qgate::testing::mock_test {
namespace {

class mock_compat_faults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mock_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete mock_;
    mock_ = nullptr;
  }
  static http_response post(const std::string& body) {
    return http_request("POST", mock_->url(compat_path), body, unary_headers);
  }
  static running_mock* mock_;
};

running_mock* mock_compat_faults::mock_ = nullptr;

struct compat_fault {
  std::string name;
  long status;
  std::string type, code, message;
};

TEST_F(mock_compat_faults, errors_before_output_are_http_statuses_in_both_modes) {
  const std::vector<compat_fault> faults = {
      {"auth", 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided. "},
      {"inspect", 400, "data_inspection_failed", "data_inspection_failed",
       "Input data may contain inappropriate content."},
      {"context-length", 400, "invalid_request_error", "invalid_parameter_error",
       "Range of input length should be [1, 129024]"},
      {"throttle-retry", 429, "limit_requests", "limit_requests",
       "You exceeded your current requests list."},
      {"internal", 500, "internal_error", "internal_error",
       "An internal error has occured, please try again later or contact service support."},
      {"unavailable", 503, "ModelUnavailable", "ModelUnavailable",
       "Model is unavailable, please try again later."},
  };
  for (const auto& f : faults) {
    for (const bool stream : {false, true}) {
      SCOPED_TRACE(f.name + (stream ? " stream" : " unary"));
      const auto response =
          post(compat_body("x [[fault:" + f.name + "]]", stream ? R"(,"stream":true)" : ""));
      EXPECT_EQ(response.status, f.status);
      EXPECT_EQ(header(response, "content-type"), "application/json");
      const auto e = read_compat_error(response.body);
      EXPECT_EQ(e.type, f.type);
      EXPECT_EQ(e.code, f.code);
      EXPECT_EQ(e.message, f.message);
      EXPECT_TRUE(e.param_null);
      EXPECT_EQ(e.request_id, header(response, "x-request-id"));
      EXPECT_EQ(header(response, "retry-after"), f.name == "throttle-retry" ? "7" : "");
    }
  }
  auto wrong_key = unary_headers;
  wrong_key[0] = "Authorization: Bearer sk-wrong";
  const auto refused = http_request("POST", mock_->url(compat_path), compat_body("x"), wrong_key);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body,
            R"({"error":{"message":"Incorrect API key provided. ","type":"invalid_request_error",)"
            R"("param":null,"code":"invalid_api_key"},"request_id":")" +
                header(refused, "x-request-id") + "\"}");
  const auto invalid = post(compat_body("x", R"(,"temperature":5,"stream":true)"));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(read_compat_error(invalid.body).message, "Temperature should be in [0.0, 2.0)");
  EXPECT_EQ(http_request("GET", mock_->url(compat_path), {}, unary_headers).status, 405);
}

TEST_F(mock_compat_faults, a_stream_that_began_ends_an_error_with_an_error_event) {
  const auto response =
      post(compat_body("abcdefghijklmnop [[fault:inspect-mid]]", R"(,"stream":true)"));
  EXPECT_EQ(response.status, 200);
  const auto payloads = data_payloads(response.body);
  ASSERT_EQ(payloads.size(), 7u);  // role, 4 of the 8 pieces, the error, [DONE]
  EXPECT_EQ(payloads.back(), "[DONE]");
  std::string content;
  for (std::size_t i = 0; i < 5; ++i) content += read_compat(payloads[i]).content.value_or("");
  EXPECT_EQ(content, "mock:abcdefghijklmnop [");  // 43 code points in 8 pieces: 6, 6, 6, 5, …
  const auto e = read_compat_error(payloads[5]);
  EXPECT_EQ(e.code, "data_inspection_failed");
  EXPECT_EQ(e.message, "Output data may contain inappropriate content.");
  const auto unary = post(compat_body("x [[fault:inspect-mid]]"));
  EXPECT_EQ(unary.status, 400);
  EXPECT_EQ(read_compat_error(unary.body).message,
            "Output data may contain inappropriate content.");
}

TEST_F(mock_compat_faults, cut_reset_html_and_malformed_answers) {
  const auto dropped =
      post(compat_body("abcdefghijklmnop [[fault:drop-mid]]", R"(,"stream":true)"));
  EXPECT_EQ(dropped.status, 200);
  EXPECT_EQ(dropped.curl_code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(dropped.body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(data_payloads(dropped.body).size(), 5u);
  const auto dropped_unary = post(compat_body("x [[fault:drop-mid]]"));
  EXPECT_EQ(dropped_unary.curl_code, CURLE_PARTIAL_FILE);
  EXPECT_TRUE(dropped_unary.body.starts_with(R"({"id":"chatcmpl-)")) << dropped_unary.body;

  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const std::string extra = stream ? R"(,"stream":true)" : "";
    const auto reset = post(compat_body("x [[fault:reset]]", extra));
    EXPECT_EQ(reset.status, 0);
    EXPECT_TRUE(reset.curl_code == CURLE_RECV_ERROR || reset.curl_code == CURLE_GOT_NOTHING)
        << reset.curl_code;
    const auto html = post(compat_body("x [[fault:html]]", extra));
    EXPECT_EQ(html.status, 502);
    EXPECT_EQ(header(html, "content-type"), "text/html");
    const auto malformed = post(compat_body("x [[fault:malformed]]", extra));
    EXPECT_EQ(malformed.status, 200);
    simdjson::dom::parser parser;
    const std::string json =
        stream ? malformed.body.substr(std::min<std::size_t>(6, malformed.body.size()))
               : malformed.body;
    EXPECT_NE(parser.parse(json).error(), simdjson::SUCCESS) << json;
  }
}

}  // namespace
}  // namespace qgate::testing::mock_test
