// The mock's pure parts without sockets: splitting, markers, and the timing of its scripts.
#include "tools/mock_dashscope/mock_script.hpp"
#include "tools/mock_dashscope/mock_answer.hpp"

#include <gtest/gtest.h>

namespace qgate::mock {
namespace {

const std::string key = "Bearer sk-qgate-mock";

std::string user_body(std::string_view prompt) {
  return R"({"model":"qwen-plus","input":{"messages":[{"role":"user","content":")" +
         std::string(prompt) + R"("}]}})";
}

script plan_for(mock_state& state, std::string_view body, bool stream, bool keep_alive = true) {
  incoming in;
  in.method = "POST";
  in.target = generation_path;
  in.authorization = key;
  in.sse = stream ? "enable" : "";
  in.body = body;
  in.keep_alive = keep_alive;
  return plan(in, state);
}

TEST(mock_answer, splits_at_code_points_as_evenly_as_possible) {
  EXPECT_EQ(split_code_points("abcdefg", 3), (std::vector<std::string>{"abc", "de", "fg"}));
  EXPECT_EQ(split_code_points("你好世界", 3), (std::vector<std::string>{"你好", "世", "界"}));
  EXPECT_EQ(split_code_points("ab", 8), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(split_code_points("", 8).empty());
}

TEST(mock_fault, markers_are_read_and_clamped) {
  const auto m =
      read_markers("x [[chunks:3]] [[interval:-5]] [[first-byte:20]] [[fault:drop-mid]]");
  EXPECT_EQ(m.chunks, 3);
  EXPECT_EQ(m.interval_ms, 0);
  EXPECT_EQ(m.first_byte_ms, 20);
  EXPECT_EQ(m.scripted, fault::drop_mid);
  EXPECT_EQ(read_markers("[[chunks:0]]").chunks, 1);
  EXPECT_FALSE(read_markers("[[chunks:x]]").chunks);
  EXPECT_EQ(read_markers("[[fault:nonsense]]").scripted, fault::none);
  const auto text = read_markers("[[retry-after:99999999999]] [[flaky:k1]] [[flap:k 2]]");
  EXPECT_EQ(text.retry_after, "99999999999");
  EXPECT_EQ(text.flaky_key, "k1");
  EXPECT_EQ(text.flap_key, "k 2");
  EXPECT_FALSE(read_markers("[[retry-after:7\r\nX-Injected: 1]]").retry_after);
  EXPECT_FALSE(read_markers("[[retry-after:]]").retry_after);
  EXPECT_FALSE(read_markers("[[retry-after:" + std::string(65, '9') + "]]").retry_after);
  EXPECT_EQ(read_markers("[[fault:no-response]]").scripted, fault::stall_first);
}

TEST(mock_request, rejects_what_dashscope_rejects) {
  const auto message_of = [](std::string_view body) {
    const auto parsed = parse_generation(body);
    const auto* e = std::get_if<upstream_error>(&parsed);
    return e == nullptr ? std::string("ok") : e->code + ": " + e->message;
  };
  EXPECT_EQ(message_of(R"({"model":"qwen-plus","input":{"prompt":"p"}})"), "ok");
  EXPECT_EQ(message_of(R"({"input":{"prompt":"p"}})"),
            R"(BadRequest.EmptyModel: Required parameter "model" missing from request.)");
  EXPECT_EQ(message_of(R"({"model":"qwen-plus"})"),
            "BadRequest.EmptyInput: Required input parameter missing from request.");
  EXPECT_EQ(
      message_of(R"({"model":"qwen-plus","input":{"messages":[{"role":"user","content":[]}]}})"),
      "InvalidParameter: input content must be a string.");
  EXPECT_EQ(
      message_of(R"({"model":"qwen-plus","input":{"messages":[{"role":"x","content":"c"}]}})"),
      "InvalidParameter: Role must be user or assistant and Content length must be greater "
      "than 0");
  EXPECT_EQ(message_of(
                R"({"model":"qwen-plus","input":{"prompt":"p"},"parameters":{"max_tokens":null}})"),
            "ok");
}

TEST(mock_script, an_interval_spaces_every_event_and_the_first_byte_waits) {
  options o;
  o.chunks = 3;
  o.chunk_interval_ms = 20;
  o.first_byte_ms = 50;
  mock_state state(o);
  const auto s = plan_for(state, user_body("abcd"), true);
  ASSERT_EQ(s.steps.size(), 4u);  // head + event 1, events 2 and 3, the final event
  EXPECT_EQ(s.steps[0].delay_ms, 50);
  EXPECT_TRUE(s.steps[0].bytes.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(s.steps[0].bytes.find("id:1\n"), std::string::npos);
  for (std::size_t i = 1; i < 4; ++i) EXPECT_EQ(s.steps[i].delay_ms, 20);
  EXPECT_TRUE(s.steps[3].bytes.ends_with("\r\n0\r\n\r\n"));
  EXPECT_EQ(s.end, ending::close);
  EXPECT_TRUE(s.tracked);
}

TEST(mock_script, without_intervals_a_stream_is_one_write) {
  mock_state state(options{});
  const auto s = plan_for(state, user_body("abcdefghijklmnop"), true);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].delay_ms, 0);
  EXPECT_NE(s.steps[0].bytes.find("id:9\nevent:result"), std::string::npos);
}

TEST(mock_script, faults_end_as_scripted) {
  mock_state state(options{});
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-first]]"), false).steps.size(), 0u);
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-first]]"), false).end, ending::stall);
  EXPECT_EQ(plan_for(state, user_body("[[fault:stall-mid]]"), true).end, ending::stall);
  EXPECT_EQ(plan_for(state, user_body("[[fault:drop-mid]]"), false).end, ending::drop);
  EXPECT_EQ(plan_for(state, user_body("[[fault:throttle]]"), false).end, ending::keep_alive);
  EXPECT_EQ(plan_for(state, user_body("[[fault:throttle]]"), false, false).end, ending::close);
  EXPECT_EQ(plan_for(state, user_body("[[fault:reset]]"), true).end, ending::reset);
  EXPECT_EQ(plan_for(state, user_body("[[fault:reset]]"), true).steps.size(), 0u);
  EXPECT_FALSE(plan_for(state, user_body("x"), false).tracked);
  EXPECT_EQ(state.counters().requests, 9);
}

TEST(mock_script, control_requests_are_not_counted) {
  mock_state state(options{});
  incoming in;
  in.method = "GET";
  in.target = "/mock/stats?x=1";
  const auto s = plan(in, state);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_NE(s.steps[0].bytes.find(R"({"requests":0,)"), std::string::npos) << s.steps[0].bytes;
  EXPECT_EQ(s.end, ending::keep_alive);
}

}  // namespace
}  // namespace qgate::mock
