// The mock's keys and counting markers over sockets: several keys, revoked keys, quotas with
// Retry-After and their recovery, revocation at run time, fail-first and status-first.
#include "tests/integration/mock_compat_helpers.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace qgate::testing::mock_test {
namespace {

using namespace std::chrono_literals;

const std::string one = "sk-one-1111";
const std::string two = "sk-two-2222";
const std::string old_key = "sk-old-3333";

std::vector<std::string> headers_for(const std::string& key, bool stream = false) {
  std::vector<std::string> headers = {"Authorization: Bearer " + key,
                                      "Content-Type: application/json"};
  if (stream) headers.push_back(sse_header);
  return headers;
}

http_response native(const running_mock& mock, const std::string& key, bool stream = false,
                     const std::string& prompt = "x") {
  return http_request("POST", mock.url(), user_body(prompt), headers_for(key, stream));
}

http_response compat(const running_mock& mock, const std::string& key, bool stream = false,
                     const std::string& prompt = "x") {
  return http_request("POST", mock.url(compat_path),
                      compat_body(prompt, stream ? R"(,"stream":true)" : ""), headers_for(key));
}

// requests_by_key from GET /mock/stats: fingerprint → count.
std::map<std::string, std::int64_t> counts_by_key(const running_mock& mock) {
  const auto response = http_request("GET", mock.url("/mock/stats"));
  simdjson::dom::parser parser;
  simdjson::dom::object counts;
  std::map<std::string, std::int64_t> out;
  if (parser.parse(response.body)["requests_by_key"].get(counts) != simdjson::SUCCESS) {
    ADD_FAILURE() << "no requests_by_key: " << response.body;
    return out;
  }
  for (const auto field : counts) out[std::string(field.key)] = int64_t(field.value);
  return out;
}

http_response control(const running_mock& mock, const std::string& action, const std::string& query,
                      const std::string& method = "POST") {
  return http_request(method, mock.url("/mock/keys/" + action + query));
}

TEST(mock_dashscope_keys, every_listed_key_is_accepted_and_only_those) {
  running_mock mock({"--api-key", one, "--api-key=" + two, "--revoked-key", old_key});
  for (const auto& key : {one, two}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(native(mock, key).status, 200);
    EXPECT_EQ(native(mock, key, true).status, 200);
    EXPECT_EQ(compat(mock, key).status, 200);
  }
  for (const auto& key : {std::string("sk-qgate-mock"), old_key}) {
    SCOPED_TRACE(key);
    for (const bool stream : {false, true}) {
      const auto refused = native(mock, key, stream);
      EXPECT_EQ(refused.status, 401);
      EXPECT_EQ(refused.body, R"({"code":"InvalidApiKey","message":"Invalid API-key provided.",)"
                              R"("request_id":")" +
                                  header(refused, "x-request-id") + "\"}");
    }
    const auto openai = compat(mock, key, true);
    EXPECT_EQ(openai.status, 401);
    EXPECT_EQ(read_compat_error(openai.body).code, "invalid_api_key");
  }
  EXPECT_EQ(http_request("POST", mock.url(), user_body("x")).status, 401);  // no key at all
  // Refusals count too; a request without a key counts for none.
  const std::map<std::string, std::int64_t> expected = {
      {"1111", 3}, {"2222", 3}, {"mock", 3}, {"3333", 3}};
  EXPECT_EQ(counts_by_key(mock), expected);
  // The request log keeps the key as sent.
  const auto log = http_request("GET", mock.url("/mock/requests")).body;
  EXPECT_NE(log.find(R"("Authorization":"Bearer sk-two-2222")"), std::string::npos);
}

TEST(mock_dashscope_keys, a_key_over_its_quota_gets_429_with_retry_after_until_a_slot_frees) {
  running_mock mock(
      {"--api-key", one, "--api-key", two, "--key-quota", two + "=2", "--quota-window-ms", "1500"});
  EXPECT_EQ(native(mock, two).status, 200);
  EXPECT_EQ(compat(mock, two, true).status, 200);
  const auto refused_at = std::chrono::steady_clock::now();
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const auto refused = native(mock, two, stream);
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(header(refused, "content-type"), "application/json");
    const auto wait = header(refused, "retry-after");
    EXPECT_TRUE(wait == "1" || wait == "2") << wait;
    const auto e = read_error(refused.body);
    EXPECT_EQ(e.code, "Throttling.AllocationQuota");
    EXPECT_EQ(e.message, "Allocated quota exceeded, please increase your quota limit.");
  }
  const auto openai = compat(mock, two);
  EXPECT_EQ(openai.status, 429);
  EXPECT_FALSE(header(openai, "retry-after").empty());
  EXPECT_EQ(read_compat_error(openai.body).code, "insufficient_quota");
  EXPECT_EQ(native(mock, one).status, 200) << "quotas are per key";
  EXPECT_EQ(counts_by_key(mock)["2222"], 5);

  // The window rolls: the key answers again within Retry-After, and every try was counted.
  std::int64_t tries = 0;
  ASSERT_TRUE(eventually([&] {
    ++tries;
    return native(mock, two).status == 200;
  }));
  EXPECT_LE(std::chrono::steady_clock::now() - refused_at, 2s + 500ms);
  EXPECT_EQ(counts_by_key(mock)["2222"], 5 + tries);
}

TEST(mock_dashscope_keys, keys_are_revoked_and_restored_at_run_time) {
  running_mock mock({"--api-key", one, "--revoked-key", old_key});
  EXPECT_EQ(native(mock, one).status, 200);
  const auto revoked = control(mock, "revoke", "?key=sk%2Done-1111");
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.body, R"({"key":"1111","revoked":true})");
  EXPECT_EQ(native(mock, one).status, 401);
  EXPECT_EQ(native(mock, one, true).status, 401);
  EXPECT_EQ(compat(mock, one).status, 401);

  EXPECT_EQ(control(mock, "restore", "?key=" + one).body, R"({"key":"1111","revoked":false})");
  EXPECT_EQ(native(mock, one).status, 200);
  EXPECT_EQ(compat(mock, one, true).status, 200);
  EXPECT_EQ(native(mock, old_key).status, 401);
  EXPECT_EQ(control(mock, "restore", "?x=1&key=" + old_key).status, 200);
  EXPECT_EQ(native(mock, old_key).status, 200) << "a key revoked from the start comes back";

  EXPECT_EQ(control(mock, "revoke", "").status, 400);
  EXPECT_EQ(control(mock, "revoke", "?key=").status, 400);
  EXPECT_EQ(control(mock, "revoke", "?key=%zz").status, 400);
  EXPECT_EQ(control(mock, "revoke", "?key=" + one, "GET").status, 405);
  EXPECT_EQ(http_request("POST", mock.url("/mock/keys/other?key=a")).status, 404);
  EXPECT_EQ(native(mock, one).status, 200) << "refused control requests change nothing";
}

TEST(mock_dashscope_keys, fail_first_resets_the_first_n_requests_across_connections) {
  running_mock mock;
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "unary");
    const std::string prompt = stream ? "[[fail-first:ff-stream:2]]" : "[[fail-first:ff-unary:2]]";
    for (int i = 0; i < 2; ++i) {
      const auto reset = native(mock, "sk-qgate-mock", stream, prompt);
      EXPECT_EQ(reset.status, 0);
      EXPECT_TRUE(reset.curl_code == CURLE_RECV_ERROR || reset.curl_code == CURLE_GOT_NOTHING)
          << reset.curl_code;
      EXPECT_EQ(reset.body, "");
    }
    EXPECT_EQ(native(mock, "sk-qgate-mock", stream, prompt).status, 200);
    EXPECT_EQ(native(mock, "sk-qgate-mock", stream, prompt).status, 200);
  }
  // One keep-alive connection sees the same count as fresh ones.
  http_session session;
  const auto on_session = [&] {
    return session.request("POST", mock.url(compat_path), compat_body("[[fail-first:ff-compat:1]]"),
                           unary_headers);
  };
  EXPECT_EQ(on_session().status, 0);
  EXPECT_EQ(compat(mock, "sk-qgate-mock", false, "[[fail-first:ff-compat:1]]").status, 200);
  EXPECT_EQ(on_session().status, 200);
}

TEST(mock_dashscope_keys, status_first_answers_real_statuses_then_the_answer) {
  running_mock mock;
  const std::vector<std::tuple<int, std::string, std::string>> statuses = {
      {500, "InternalError",
       "An internal error has occured, please try again later or contact service support."},
      {502, "ModelServiceFailed", "Failed to request model service."},
      {503, "ModelUnavailable", "Model is unavailable, please try again later."},
      {504, "RequestTimeOut", "Request timed out, please try again later."},
  };
  for (const auto& [status, code, message] : statuses) {
    for (const bool stream : {false, true}) {
      SCOPED_TRACE(std::to_string(status) + (stream ? " stream" : " unary"));
      const std::string prompt = "x [[status-first:sf-" + std::to_string(status) +
                                 (stream ? "-s" : "-u") + ":2:" + std::to_string(status) + "]]";
      for (int i = 0; i < 2; ++i) {
        const auto failed = native(mock, "sk-qgate-mock", stream, prompt);
        EXPECT_EQ(failed.status, status);
        EXPECT_EQ(header(failed, "content-type"), "application/json");
        const auto e = read_error(failed.body);
        EXPECT_EQ(e.code, code);
        EXPECT_EQ(e.message, message);
        EXPECT_EQ(e.request_id, header(failed, "x-request-id"));
      }
      const auto answered = native(mock, "sk-qgate-mock", stream, prompt);
      EXPECT_EQ(answered.status, 200);
      if (stream) {
        const auto events = parse_sse(answered.body);
        ASSERT_FALSE(events.empty());
        EXPECT_EQ(events.back().event, "result");
      }
    }
  }
  const std::string prompt = "[[status-first:sf-compat:1:503]]";
  const auto failed = compat(mock, "sk-qgate-mock", true, prompt);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(read_compat_error(failed.body).message,
            "Model is unavailable, please try again later.");
  EXPECT_EQ(compat(mock, "sk-qgate-mock", true, prompt).status, 200);
  EXPECT_EQ(native(mock, "sk-qgate-mock", false, "[[status-first:sf-teapot:1:418]]").status, 200);
}

TEST(mock_dashscope_keys, bad_key_options_are_refused) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--key-quota", "k"},
                                               {"--key-quota", "k=x"},
                                               {"--quota-window-ms", "0"}}) {
    child_process bad(binary, args, {});
    EXPECT_EQ(bad.wait(5s), 2) << args[0] << " " << args[1];
  }
  child_process help(binary, {"--help"}, {});
  EXPECT_EQ(help.wait(5s), 0);
  EXPECT_NE(help.output().find("--key-quota KEY=N"), std::string::npos) << help.output();
}

}  // namespace
}  // namespace qgate::testing::mock_test
