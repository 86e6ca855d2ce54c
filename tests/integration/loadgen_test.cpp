// loadgen end to end: the real binary against qgate and the mock, its --json read by simdjson.
// Counts are checked exactly where the load is exact (request counts, frames per stream).
#include "tests/integration/gateway_fixture.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

const std::string loadgen_binary = QGATE_BINARY_DIR "/tools/loadgen/loadgen";

struct loadgen_run {
  int exit_code = -1;
  std::string output;
};

loadgen_run run_loadgen(std::vector<std::string> args) {
  args.insert(args.begin(), {"--json", "-q"});
  child_process process(loadgen_binary, args, {});
  loadgen_run run;
  run.exit_code = process.wait(60s);
  run.output = process.output();
  return run;
}

// The report as a DOM, failing the test when it is not one JSON object.
struct report {
  explicit report(const loadgen_run& run) : text(run.output) {
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(parser.parse(text).get(root), simdjson::SUCCESS) << run.output;
  }
  std::uint64_t count(std::string_view pointer) {
    std::uint64_t value = 0;
    EXPECT_EQ(root.at_pointer(pointer).get(value), simdjson::SUCCESS) << pointer << ": " << text;
    return value;
  }
  std::string_view string(std::string_view pointer) {
    std::string_view value;
    EXPECT_EQ(root.at_pointer(pointer).get(value), simdjson::SUCCESS) << pointer << ": " << text;
    return value;
  }
  double number(std::string_view pointer) {
    double value = 0;
    EXPECT_EQ(root.at_pointer(pointer).get(value), simdjson::SUCCESS) << pointer << ": " << text;
    return value;
  }

  std::string text;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
};

std::string gateway_url(const gateway& qgate) { return qgate.url(""); }

TEST(loadgen, closed_loop_counts_every_request_once) {
  mock_upstream mock;
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "-c", "4", "-n", "40"}));
  EXPECT_EQ(r.string("/mode"), "closed");
  EXPECT_EQ(r.count("/completed"), 40u);
  EXPECT_EQ(r.count("/ok"), 40u);
  EXPECT_EQ(r.count("/statuses/200"), 40u);
  EXPECT_EQ(r.count("/errors"), 0u);
  EXPECT_EQ(r.count("/latency_us/count"), 40u);
  EXPECT_EQ(r.count("/connections"), 4u);  // keep-alive: one connection per slot
  EXPECT_GT(r.number("/latency_us/p50"), 0.0);
  EXPECT_LE(r.number("/latency_us/p50"), r.number("/latency_us/p99"));
  EXPECT_LE(r.number("/latency_us/p99"), r.number("/latency_us/max"));
}

TEST(loadgen, streams_count_frames_ttft_and_gaps) {
  mock_upstream mock({"--chunks", "5", "--chunk-interval-ms", "2"});
  gateway qgate(mock.base_url());
  // Five content events and the final one, each a gateway frame; then [DONE].
  report r(run_loadgen({"--url", gateway_url(qgate), "--stream", "-c", "3", "-n", "9",
                        "--prompt-bytes", "64", "--expect-frames", "6"}));
  EXPECT_EQ(r.count("/ok"), 9u);
  EXPECT_EQ(r.count("/streams"), 9u);
  EXPECT_EQ(r.count("/frames"), 54u);
  EXPECT_EQ(r.count("/lost_streams"), 0u);
  EXPECT_EQ(r.count("/frames_lost"), 0u);
  EXPECT_EQ(r.count("/malformed"), 0u);
  EXPECT_EQ(r.count("/ttft_us/count"), 9u);
  EXPECT_EQ(r.count("/gap_us/count"), 45u);  // one gap between each pair of frames
}

TEST(loadgen, missing_frames_make_a_stream_lost) {
  mock_upstream mock({"--chunks", "5"});
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "--stream", "-n", "4", "--prompt-bytes", "64",
                        "--expect-frames", "10"}));
  EXPECT_EQ(r.count("/streams"), 4u);
  EXPECT_EQ(r.count("/lost_streams"), 4u);
  EXPECT_EQ(r.count("/frames_lost"), 16u);  // 4 streams × (10 expected − 6 received)
  EXPECT_EQ(r.count("/ok"), 0u);
}

TEST(loadgen, dashscope_target_reads_the_native_stream) {
  mock_upstream mock({"--chunks", "4"});
  report r(run_loadgen({"--url", mock.base_url(), "--target", "dashscope", "--api-key", mock_key,
                        "--stream", "-n", "5", "--prompt-bytes", "64", "--expect-frames", "5"}));
  EXPECT_EQ(r.count("/ok"), 5u);
  EXPECT_EQ(r.count("/frames"), 25u);
  EXPECT_EQ(r.count("/lost_streams"), 0u);
  EXPECT_EQ(r.count("/output_tokens"), 20u);  // each stream's last (cumulative) usage: 4
}

TEST(loadgen, seed_api_reports_output_tokens_from_usage) {
  mock_upstream mock({"--chunks", "5"});
  gateway qgate(mock.base_url());
  // The mock answers a prompt of 64 bytes in 5 pieces and reports 5 output tokens.
  report unary(run_loadgen({"--url", gateway_url(qgate), "-n", "10", "--prompt-bytes", "64"}));
  EXPECT_EQ(unary.count("/ok"), 10u);
  EXPECT_EQ(unary.count("/output_tokens"), 50u);
  EXPECT_EQ(unary.count("/usage_missing"), 0u);
  EXPECT_GT(unary.number("/output_tokens_per_s"), 0.0);
  report stream(
      run_loadgen({"--url", gateway_url(qgate), "--stream", "-n", "4", "--prompt-bytes", "64"}));
  EXPECT_EQ(stream.count("/ok"), 4u);
  EXPECT_EQ(stream.count("/output_tokens"), 20u);  // usage, not the 6 frames of each stream
  EXPECT_EQ(stream.count("/usage_missing"), 0u);
}

// qgate's OpenAI front door (POST /v1/chat/completions) in front of the mock: the first chunk
// carries the role and the first piece, then one chunk per piece, the finish chunk, the usage
// chunk (stream_options.include_usage) and [DONE].
TEST(loadgen, openai_target_non_stream_through_the_front_door) {
  mock_upstream mock({"--chunks", "5"});
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "--target", "openai", "-c", "4", "-n", "40",
                        "--prompt-bytes", "64"}));
  EXPECT_EQ(r.string("/target"), "openai");
  EXPECT_EQ(r.count("/completed"), 40u);
  EXPECT_EQ(r.count("/ok"), 40u);
  EXPECT_EQ(r.count("/statuses/200"), 40u);
  EXPECT_EQ(r.count("/errors"), 0u);
  EXPECT_EQ(r.count("/bad_bodies"), 0u);
  EXPECT_EQ(r.count("/usage_missing"), 0u);
  EXPECT_EQ(r.count("/output_tokens"), 200u);  // usage.completion_tokens: 5 per answer
  EXPECT_GT(r.number("/output_tokens_per_s"), 0.0);
}

TEST(loadgen, openai_target_streams_through_the_front_door) {
  mock_upstream mock({"--chunks", "5", "--chunk-interval-ms", "2"});
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "--target", "openai", "--stream", "-c", "3",
                        "-n", "9", "--prompt-bytes", "64", "--expect-frames", "5"}));
  EXPECT_EQ(r.count("/ok"), 9u);
  EXPECT_EQ(r.count("/errors"), 0u);
  EXPECT_EQ(r.count("/streams"), 9u);
  // Five pieces per stream; the finish and usage chunks carry no tokens.
  EXPECT_EQ(r.count("/frames"), 45u);
  EXPECT_EQ(r.count("/lost_streams"), 0u);
  EXPECT_EQ(r.count("/frames_lost"), 0u);
  EXPECT_EQ(r.count("/malformed"), 0u);
  EXPECT_EQ(r.count("/error_frames"), 0u);
  EXPECT_EQ(r.count("/ttft_us/count"), 9u);
  EXPECT_EQ(r.count("/gap_us/count"), 36u);
  EXPECT_EQ(r.count("/usage_missing"), 0u);
  EXPECT_EQ(r.count("/output_tokens"), 45u);
  EXPECT_GT(r.number("/output_tokens_per_s"), 0.0);
}

TEST(loadgen, openai_target_counts_error_statuses) {
  mock_upstream mock;
  gateway qgate(mock.base_url());
  report r(run_loadgen(
      {"--url", gateway_url(qgate), "--target", "openai", "--model", "no-such-model", "-n", "3"}));
  EXPECT_EQ(r.count("/ok"), 0u);
  EXPECT_EQ(r.count("/errors"), 3u);
  EXPECT_EQ(r.count("/output_tokens"), 0u);
}

TEST(loadgen, error_statuses_are_counted_by_code) {
  mock_upstream mock;
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "--model", "no-such-model", "-n", "6"}));
  EXPECT_EQ(r.count("/completed"), 6u);
  EXPECT_EQ(r.count("/ok"), 0u);
  EXPECT_EQ(r.count("/statuses/400"), 6u);
  EXPECT_EQ(r.count("/errors"), 6u);
}

TEST(loadgen, open_loop_keeps_the_arrival_rate) {
  mock_upstream mock;
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", gateway_url(qgate), "--rate", "200", "-d", "1"}));
  EXPECT_EQ(r.string("/mode"), "open");
  // 200 arrivals in the second, each on time or queued (never dropped); a slow start may cost a
  // few at the edges.
  EXPECT_GE(r.count("/completed"), 190u);
  EXPECT_LE(r.count("/completed"), 201u);
  EXPECT_EQ(r.count("/ok"), r.count("/completed"));
}

TEST(loadgen, a_host_name_is_resolved) {
  mock_upstream mock;
  gateway qgate(mock.base_url());
  report r(run_loadgen({"--url", "http://localhost:" + std::to_string(qgate.port), "-n", "3"}));
  EXPECT_EQ(r.count("/ok"), 3u);
}

TEST(loadgen, an_unreachable_server_is_a_transport_error_not_a_crash) {
  // Port 9 (discard) on loopback: nobody listens, connects are refused.
  report r(run_loadgen({"--url", "http://127.0.0.1:9", "-c", "2", "-d", "0.2"}));
  EXPECT_EQ(r.count("/ok"), 0u);
  EXPECT_GT(r.count("/transport/connect"), 0u);
  EXPECT_EQ(r.count("/errors"), r.count("/transport/connect"));
}

TEST(loadgen, bad_flags_exit_2_with_a_message) {
  child_process process(loadgen_binary, {"--url", "http://nowhere.invalid:80", "-n", "1"}, {});
  EXPECT_EQ(process.wait(30s), 2);
  EXPECT_NE(process.output().find("cannot resolve"), std::string::npos) << process.output();
  child_process bad_url(loadgen_binary, {"--url", "http://127.0.0.1"}, {});
  EXPECT_EQ(bad_url.wait(30s), 2);
}

}  // namespace
}  // namespace qgate::testing
