// The mock's key rules and counting markers without sockets: admission, quotas on a fake clock,
// the fingerprint counts, the fail-first and status-first markers and the key options.
#include "tools/mock_dashscope/mock_keys.hpp"
#include "tools/mock_dashscope/mock_cli.hpp"
#include "tools/mock_dashscope/mock_fault.hpp"
#include "tools/mock_dashscope/mock_script.hpp"

#include <gtest/gtest.h>

#include <array>

namespace qgate::mock {
namespace {

options keyed_options() {
  options o;
  o.api_keys = {"sk-one-1111", "sk-two-2222"};
  o.revoked_keys = {"sk-old-3333"};
  o.key_quotas = {{"sk-two-2222", 2}, {"sk-zero-0000", 0}};
  return o;
}

std::string user_body(std::string_view prompt) {
  return R"({"model":"qwen-plus","input":{"messages":[{"role":"user","content":")" +
         std::string(prompt) + R"("}]}})";
}

script plan_with_key(mock_state& state, std::string_view target, std::string_view authorization,
                     std::string_view body, bool stream = false) {
  incoming in;
  in.method = "POST";
  in.target = target;
  in.authorization = authorization;
  in.sse = stream ? "enable" : "";
  in.body = body;
  return plan(in, state);
}

// The status line's code, or 0 for a script without bytes (a reset or a stall).
int status_of(const script& s) {
  if (s.steps.empty()) return 0;
  return std::stoi(s.steps[0].bytes.substr(9, 3));
}

TEST(mock_keys, accepts_listed_keys_and_refuses_revoked_and_unknown_ones) {
  mock_keys keys(keyed_options());
  EXPECT_EQ(keys.admit("sk-one-1111", 0).verdict, key_verdict::accepted);
  EXPECT_EQ(keys.admit("sk-old-3333", 0).verdict, key_verdict::revoked);
  EXPECT_EQ(keys.admit("sk-qgate-mock", 0).verdict, key_verdict::unknown);
  EXPECT_EQ(keys.admit("", 0).verdict, key_verdict::unknown);
  EXPECT_EQ(keys.admit("sk-one-111", 0).verdict, key_verdict::unknown);

  keys.revoke("sk-one-1111");
  EXPECT_EQ(keys.admit("sk-one-1111", 0).verdict, key_verdict::revoked);
  keys.restore("sk-one-1111");
  EXPECT_EQ(keys.admit("sk-one-1111", 0).verdict, key_verdict::accepted);
  keys.restore("sk-old-3333");
  EXPECT_EQ(keys.admit("sk-old-3333", 0).verdict, key_verdict::accepted);
  keys.revoke("sk-new-4444");
  EXPECT_EQ(keys.admit("sk-new-4444", 0).verdict, key_verdict::revoked);
  keys.restore("sk-new-4444");
  EXPECT_EQ(keys.admit("sk-new-4444", 0).verdict, key_verdict::accepted);

  EXPECT_EQ(mock_keys(options{}).admit("sk-qgate-mock", 0).verdict, key_verdict::accepted);
  EXPECT_EQ(bearer_key("Bearer sk-1"), "sk-1");
  EXPECT_EQ(bearer_key("bearer sk-1"), "");
  EXPECT_EQ(bearer_key("sk-1"), "");
}

TEST(mock_keys, a_quota_is_a_rolling_window_with_the_wait_in_whole_seconds) {
  mock_keys keys(keyed_options());
  EXPECT_EQ(keys.admit("sk-two-2222", 0).verdict, key_verdict::accepted);
  EXPECT_EQ(keys.admit("sk-two-2222", 10000).verdict, key_verdict::accepted);
  const auto over = keys.admit("sk-two-2222", 20000);
  EXPECT_EQ(over.verdict, key_verdict::over_quota);
  EXPECT_EQ(over.retry_after_s, 40);
  EXPECT_EQ(keys.admit("sk-two-2222", 59999).retry_after_s, 1);  // 1 ms rounds up
  EXPECT_EQ(keys.admit("sk-one-1111", 59999).verdict, key_verdict::accepted);
  // The first slot frees at 60 s; refusals took none, so the next wait is the second slot's.
  EXPECT_EQ(keys.admit("sk-two-2222", 60000).verdict, key_verdict::accepted);
  EXPECT_EQ(keys.admit("sk-two-2222", 60001).retry_after_s, 10);
  EXPECT_EQ(keys.admit("sk-two-2222", 69000).retry_after_s, 1);
  EXPECT_EQ(keys.admit("sk-two-2222", 70000).verdict, key_verdict::accepted);

  const auto zero = keys.admit("sk-zero-0000", 5);
  EXPECT_EQ(zero.verdict, key_verdict::unknown) << "a quota does not make a key known";
  keys.restore("sk-zero-0000");
  EXPECT_EQ(keys.admit("sk-zero-0000", 5).verdict, key_verdict::over_quota);
  EXPECT_EQ(keys.admit("sk-zero-0000", 5).retry_after_s, 60);

  options short_window = keyed_options();
  short_window.quota_window_ms = 1500;
  mock_keys fast(short_window);
  fast.admit("sk-two-2222", 0);
  fast.admit("sk-two-2222", 0);
  EXPECT_EQ(fast.admit("sk-two-2222", 0).retry_after_s, 2);
  EXPECT_EQ(fast.admit("sk-two-2222", 1500).verdict, key_verdict::accepted);
}

TEST(mock_keys, counts_every_presented_key_by_its_last_four_characters) {
  mock_keys keys(keyed_options());
  keys.admit("sk-one-1111", 0);
  keys.admit("sk-old-3333", 0);
  keys.admit("sk-old-3333", 0);
  keys.admit("sk-zero-0000", 0);
  keys.admit("ab", 0);
  keys.admit("", 0);
  keys.admit("x\"\\\"", 0);
  EXPECT_EQ(keys.counts_json(), R"({"0000":1,"1111":1,"3333":2,"ab":1,"x\"\\\"":1})");
  EXPECT_EQ(key_fingerprint("sk-one-1111"), "1111");
  EXPECT_EQ(key_fingerprint("abc"), "abc");
}

TEST(mock_keys, the_gate_answers_401_and_429_on_both_endpoints) {
  std::int64_t now = 1000;
  mock_state state(keyed_options(), [&now] { return now; });
  const std::string body = user_body("x");
  for (const auto target : {generation_path, compat_path}) {
    EXPECT_EQ(status_of(plan_with_key(state, target, "Bearer sk-old-3333", body)), 401);
    EXPECT_EQ(status_of(plan_with_key(state, target, "Bearer sk-qgate-mock", body)), 401);
    EXPECT_EQ(status_of(plan_with_key(state, target, "", body)), 401);
  }
  const auto auth = plan_with_key(state, compat_path, "Bearer sk-old-3333", body);
  EXPECT_NE(auth.steps[0].bytes.find(R"("code":"invalid_api_key")"), std::string::npos);

  EXPECT_EQ(status_of(plan_with_key(state, generation_path, "Bearer sk-two-2222", body)), 200);
  now += 30000;
  EXPECT_EQ(status_of(plan_with_key(state, generation_path, "Bearer sk-two-2222", body)), 200);
  now += 5000;
  for (const bool stream : {false, true}) {
    const auto refused = plan_with_key(state, generation_path, "Bearer sk-two-2222", body, stream);
    ASSERT_EQ(status_of(refused), 429);
    EXPECT_NE(refused.steps[0].bytes.find("\r\nRetry-After: 25\r\n"), std::string::npos);
    EXPECT_NE(refused.steps[0].bytes.find(
                  R"({"code":"Throttling.AllocationQuota","message":"Allocated quota exceeded, )"
                  R"(please increase your quota limit.","request_id":")"),
              std::string::npos)
        << refused.steps[0].bytes;
  }
  const auto compat = plan_with_key(state, compat_path, "Bearer sk-two-2222", body);
  ASSERT_EQ(status_of(compat), 429);
  EXPECT_NE(compat.steps[0].bytes.find("\r\nRetry-After: 25\r\n"), std::string::npos);
  EXPECT_NE(compat.steps[0].bytes.find(R"("code":"insufficient_quota")"), std::string::npos);
  now += 25000;
  EXPECT_EQ(status_of(plan_with_key(state, generation_path, "Bearer sk-two-2222", body)), 200);
  EXPECT_NE(state.stats_json().find(R"("requests_by_key":{"2222":6,"3333":3,"mock":2})"),
            std::string::npos)
      << state.stats_json();
}

TEST(mock_fault, fail_first_and_status_first_markers_are_read_from_the_right) {
  const auto m = read_markers("x [[fail-first:a:b:3]] [[status-first:k1:2:503]]");
  ASSERT_TRUE(m.fail_first);
  EXPECT_EQ(m.fail_first->key, "a:b");
  EXPECT_EQ(m.fail_first->count, 3);
  ASSERT_TRUE(m.status_first);
  EXPECT_EQ(m.status_first->key, "k1");
  EXPECT_EQ(m.status_first->count, 2);
  EXPECT_EQ(m.status_first->status, 503);
  for (const auto* bad : {"[[fail-first:k]]", "[[fail-first::2]]", "[[fail-first:k:-1]]",
                          "[[fail-first:k:x]]", "[[fail-first:k:]]"}) {
    EXPECT_FALSE(read_markers(bad).fail_first) << bad;
  }
  for (const auto* bad : {"[[status-first:k:1:418]]", "[[status-first:k:1]]",
                          "[[status-first:k:1:5033]]", "[[status-first:1:500]]"}) {
    EXPECT_FALSE(read_markers(bad).status_first) << bad;
  }
  for (const int status : {500, 502, 503, 504}) {
    ASSERT_TRUE(status_error(status));
    EXPECT_EQ(status_error(status)->status, status);
  }
  EXPECT_EQ(status_error(500)->code, "InternalError");
  EXPECT_EQ(status_error(502)->code, "ModelServiceFailed");
  EXPECT_EQ(status_error(503)->code, "ModelUnavailable");
  EXPECT_EQ(status_error(504)->code, "RequestTimeOut");
  EXPECT_FALSE(status_error(501));
}

TEST(mock_script, fail_first_resets_then_status_first_fails_then_requests_answer) {
  mock_state state(options{});
  const std::string body = user_body("x [[fail-first:chain:2]] [[status-first:chain:1:502]]");
  const auto next = [&](bool stream) {
    return plan_with_key(state, generation_path, "Bearer sk-qgate-mock", body, stream);
  };
  const auto first = next(false);
  EXPECT_EQ(first.end, ending::reset);
  EXPECT_TRUE(first.steps.empty());
  EXPECT_EQ(next(true).end, ending::reset);
  const auto failed = next(true);
  EXPECT_EQ(status_of(failed), 502) << "a real status even when streaming";
  EXPECT_NE(failed.steps[0].bytes.find(R"("code":"ModelServiceFailed")"), std::string::npos);
  const auto answered = next(true);
  EXPECT_EQ(status_of(answered), 200);
  EXPECT_EQ(answered.end, ending::close);
  EXPECT_NE(answered.steps[0].bytes.find("event:result"), std::string::npos);

  // Each key counts apart; N = 0 never fails.
  const auto other = plan_with_key(
      state, compat_path, "Bearer sk-qgate-mock",
      R"({"model":"qwen-plus","messages":[{"role":"user","content":"[[status-first:o:1:504]]"}]})");
  EXPECT_EQ(status_of(other), 504);
  EXPECT_NE(other.steps[0].bytes.find(R"("code":"RequestTimeOut")"), std::string::npos);
  EXPECT_EQ(status_of(plan_with_key(state, generation_path, "Bearer sk-qgate-mock",
                                    user_body("[[fail-first:zero:0]]"))),
            200);
}

TEST(mock_cli, key_options_repeat_and_are_checked) {
  const std::array argv = {
      "mock", "--api-key",   "k1",      "--api-key=k2",     "--revoked-key",
      "k3",   "--key-quota", "k=e=y=5", "--key-quota=k2=0", "--quota-window-ms",
      "250"};
  const auto parsed = parse_cli(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(parsed.value) << parsed.message;
  EXPECT_EQ(parsed.value->api_keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(parsed.value->revoked_keys, (std::vector<std::string>{"k3"}));
  ASSERT_EQ(parsed.value->key_quotas.size(), 2u);
  EXPECT_EQ(parsed.value->key_quotas[0], (std::pair<std::string, std::int64_t>{"k=e=y", 5}));
  EXPECT_EQ(parsed.value->key_quotas[1], (std::pair<std::string, std::int64_t>{"k2", 0}));
  EXPECT_EQ(parsed.value->quota_window_ms, 250);

  const std::array defaults = {"mock"};
  EXPECT_EQ(parse_cli(1, defaults.data()).value->api_keys,
            (std::vector<std::string>{"sk-qgate-mock"}));
  for (const auto& bad : std::vector<std::array<const char*, 3>>{
           {"mock", "--key-quota", "k"},
           {"mock", "--key-quota", "=5"},
           {"mock", "--key-quota", "k=-1"},
           {"mock", "--key-quota", "k=2000000"},
           {"mock", "--quota-window-ms", "0"},
           {"mock", "--api-key", ""},
           {"mock", "--revoked-key", ""},
       }) {
    EXPECT_FALSE(parse_cli(3, bad.data()).value) << bad[1] << " " << bad[2];
  }
}

}  // namespace
}  // namespace qgate::mock
