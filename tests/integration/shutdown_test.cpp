// Graceful shutdown when the grace period is too short: every chat still running gets a final
// answer in the envelope ("shutting down") — streams an error frame and [DONE] — and a ledger row.
#include "catalog/model_store.hpp"
#include "catalog/tenant_store.hpp"
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view shutting_down = "服务正在关闭,请稍后重试";

// Rows of the usage ledger with `status`, read from the database qgate left behind.
std::int64_t ledger_rows_with_status(const gateway& qgate, int status) {
  auto store = catalog::model_store::open((qgate.directory / "catalog.db").string(), "");
  EXPECT_TRUE(store) << store.error().detail;
  if (!store) return -1;
  auto statement = store.value().database().prepare("SELECT count(*) FROM usage WHERE status = ?");
  EXPECT_TRUE(statement);
  if (!statement) return -1;
  statement.value().bind(1, std::int64_t{status});
  if (!statement.value().step()) return -1;
  return statement.value().integer(0);
}

TEST(shutdown, streams_cut_by_the_grace_period_get_a_final_frame_and_a_ledger_row) {
  // Streams of 200 events 50 ms apart: ten seconds each, far past the 300 ms grace.
  mock_upstream upstream({"--chunks", "200", "--chunk-interval-ms", "50"});
  gateway_options options;
  options.env["QGATE_SERVER_SHUTDOWN_GRACE_MS"] = "300";
  options.env["QGATE_LIMITS_LEDGER_FLUSH_MS"] = "50";
  gateway qgate(upstream.base_url(), options);
  constexpr int streams = 20;
  std::vector<std::string> bodies(streams);
  std::vector<long> statuses(streams);
  std::atomic<int> started{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < streams; ++i) {
    clients.emplace_back([&, i] {
      bool counted = false;
      statuses[i] = stream_request(qgate.url("/api/llm/chat"),
                                   chat_body("qwen-turbo", "long " + std::to_string(i), true),
                                   {"Content-Type: application/json"},
                                   [&](std::string_view chunk) {
                                     bodies[i].append(chunk);
                                     if (!counted) started += counted = true;
                                     return true;
                                   })
                        .status;
    });
  }
  ASSERT_TRUE(eventually([&] { return started.load() == streams; }));
  ::kill(qgate.process->pid(), SIGTERM);
  for (auto& client : clients) client.join();
  EXPECT_EQ(qgate.process->terminate(10s), 0) << qgate.process->output();

  simdjson::dom::parser parser;
  for (int i = 0; i < streams; ++i) {
    SCOPED_TRACE("stream " + std::to_string(i));
    EXPECT_EQ(statuses[i], 200);
    const auto payloads = sse_payloads(bodies[i]);
    ASSERT_GE(payloads.size(), 3u) << bodies[i];
    EXPECT_EQ(payloads.back(), "[DONE]");
    const auto& last = payloads[payloads.size() - 2];
    expect_error_envelope(503, last, 503, "UNAVAILABLE", shutting_down);
    EXPECT_EQ(bodies[i].find("\"finish_reason\":\"stop\""), std::string::npos);
  }
  EXPECT_EQ(ledger_rows_with_status(qgate, 503), streams);
}

TEST(shutdown, a_unary_call_cut_by_the_grace_period_is_answered_503) {
  // The upstream takes 10 s to answer; the grace period is 200 ms.
  mock_upstream upstream({"--first-byte-ms", "10000"});
  gateway_options options;
  options.env["QGATE_SERVER_SHUTDOWN_GRACE_MS"] = "200";
  options.env["QGATE_LIMITS_LEDGER_FLUSH_MS"] = "50";
  gateway qgate(upstream.base_url(), options);
  http_response answer;
  std::thread client([&] {
    answer = http_request("POST", qgate.url("/api/llm/chat"), chat_body("qwen-turbo", "hi", false),
                          {"Content-Type: application/json"});
  });
  ASSERT_TRUE(eventually([&] {
    return http_request("GET", upstream.base_url() + "/mock/stats").body.find("\"requests\":1") !=
           std::string::npos;
  })) << http_request("GET", upstream.base_url() + "/mock/stats").body;
  ::kill(qgate.process->pid(), SIGTERM);
  client.join();
  EXPECT_EQ(qgate.process->terminate(10s), 0) << qgate.process->output();
  expect_error_envelope(answer.status, answer.body, 503, "UNAVAILABLE", shutting_down);
  const auto connection = answer.headers.find("connection");
  ASSERT_NE(connection, answer.headers.end());
  EXPECT_EQ(connection->second, "close");
  EXPECT_EQ(ledger_rows_with_status(qgate, 503), 1);
}

}  // namespace
}  // namespace qgate::testing
