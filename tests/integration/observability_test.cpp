// Operating qgate: /metrics counts known traffic exactly and passes promtool, a real Prometheus
// scrapes it, /readyz flips during start-up trouble and shutdown, traceparent reaches the upstream
// and the access log carries who, which model, what the upstream said, how fast and how much.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/support/engines.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

// The value of one series, exactly as rendered (`name{labels}`), or -1 when absent.
double series(const std::string& exposition, const std::string& name) {
  const auto at = exposition.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + name.size() + 2));
}

class observability : public ::testing::Test {
 protected:
  void start(std::map<std::string, std::string> env = {}) {
    upstream_ = std::make_unique<mock_upstream>(std::vector<std::string>{"--chunks", "4"});
    gateway_options options;
    options.env = std::move(env);
    options.env["QGATE_CATALOG_RELOAD_INTERVAL_MS"] = "200";
    qgate_ = std::make_unique<gateway>(upstream_->base_url(), options);
  }
  std::string new_tenant(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"tenant", "add"});
    child_process command(qgate_binary, flags,
                          {{"QGATE_CATALOG_PATH", (qgate_->directory / "catalog.db").string()}});
    EXPECT_EQ(command.wait(30s), 0) << command.output();
    const auto out = command.output();
    const auto at = out.find("qg-");
    const auto key = out.substr(at, out.find('\n', at) - at);
    EXPECT_TRUE(eventually(
        [&] {
          return http_request("GET", qgate_->url("/api/llm/models"), {}, {"X-API-Key: " + key})
                         .status == 200 &&
                 http_request("GET", qgate_->url("/api/llm/models"), {}, {"X-API-Key: qg-no"})
                         .status == 401;
        },
        3s));
    return key;
  }
  http_response chat(const std::string& key, bool stream, std::vector<std::string> headers = {}) {
    headers.push_back("Content-Type: application/json");
    headers.push_back("X-API-Key: " + key);
    return http_request("POST", qgate_->url("/api/llm/chat"), chat_body("qwen-turbo", "hi", stream),
                        headers);
  }
  std::string scrape() { return "\n" + http_request("GET", qgate_->url("/metrics")).body; }

  std::unique_ptr<mock_upstream> upstream_;
  std::unique_ptr<gateway> qgate_;
};

TEST_F(observability, known_traffic_moves_every_counter_by_exactly_its_count) {
  start({{"QGATE_SERVER_IO_THREADS", "2"}});
  const auto key = new_tenant({"team-m", "--rpm", "6"});
  const auto before = scrape();
  std::int64_t input = 0, output = 0;
  for (int i = 0; i < 6; ++i) {
    const auto answer = chat(key, i % 2 == 0);
    ASSERT_EQ(answer.status, 200) << answer.body;
    if (i % 2 == 1) {
      simdjson::dom::parser parser;
      input += std::int64_t(parser.parse(answer.body)["data"]["usage"]["input_tokens"]);
      output += std::int64_t(parser.parse(answer.body)["data"]["usage"]["output_tokens"]);
    }
  }
  EXPECT_EQ(chat(key, false).status, 429);  // the seventh in a minute
  const auto after = scrape();
  const auto moved = [&](const std::string& name) {
    return series(after, name) - std::max(0.0, series(before, name));
  };
  EXPECT_EQ(moved(R"(qgate_http_requests_total{route="chat",status="200"})"), 6);
  EXPECT_EQ(moved(R"(qgate_http_requests_total{route="chat",status="429"})"), 1);
  EXPECT_EQ(moved(R"(qgate_http_request_duration_seconds_count{route="chat"})"), 7);
  EXPECT_EQ(moved(R"(qgate_overhead_seconds_count{route="chat"})"), 7);
  EXPECT_EQ(moved(R"(qgate_rate_limited_total{tenant="team-m",limit="rpm"})"), 1);
  EXPECT_EQ(moved(R"(qgate_upstream_calls_total{provider="dashscope",outcome="ok"})"), 6);
  EXPECT_EQ(moved(R"(qgate_upstream_attempts_total{provider="dashscope"})"), 6);
  EXPECT_EQ(moved(R"(qgate_ttft_seconds_count{model="qwen-turbo"})"), 3);  // the streams
  // Each stream's 4 content chunks and its final one: 4 gaps after the first token.
  EXPECT_EQ(moved(R"(qgate_inter_chunk_seconds_count{model="qwen-turbo"})"), 3 * 4);
  const auto tokens_in =
      series(after, R"(qgate_tokens_total{tenant="team-m",model="qwen-turbo",direction="input"})");
  const auto tokens_out =
      series(after, R"(qgate_tokens_total{tenant="team-m",model="qwen-turbo",direction="output"})");
  // Streams and non-streams of one prompt cost the same at the mock: twice the non-streams' sum.
  EXPECT_EQ(tokens_in, 2.0 * static_cast<double>(input));
  EXPECT_EQ(tokens_out, 2.0 * static_cast<double>(output));
  EXPECT_EQ(series(after, "qgate_open_streams"), 0);
  EXPECT_GE(series(after, "qgate_open_connections"), 1);
  EXPECT_GT(series(after, "process_resident_memory_bytes"), 0);
  EXPECT_GT(series(after, "process_open_fds"), 0);
  EXPECT_EQ(series(after, "qgate_ledger_dropped_rows_total"), 0);
  // Client strings never become labels.
  EXPECT_EQ(after.find("qg-"), std::string::npos);

  // promtool reads the live exposition as valid.
  const auto file = qgate_->directory / "metrics.txt";
  std::ofstream(file) << after.substr(1);
  const auto check = "promtool check metrics < " + file.string() + " 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << after;
}

// A call is counted before its client has the last byte of the answer: a scrape sent right after
// it finds it, even from another connection on another io thread (each request here opens its own).
TEST_F(observability, a_call_is_counted_by_the_time_its_client_has_the_answer) {
  start({{"QGATE_SERVER_IO_THREADS", "2"}});
  const auto key = new_tenant({"team-n"});
  const std::string ok = R"(qgate_http_requests_total{route="chat",status="200"})";
  const std::string tokens =
      R"(qgate_tokens_total{tenant="team-n",model="qwen-turbo",direction="output"})";
  const auto first = scrape();
  double counted = std::max(0.0, series(first, ok));
  double output = std::max(0.0, series(first, tokens));
  for (int i = 0; i < 40; ++i) {
    const bool stream = i % 2 == 0;
    const auto answer = chat(key, stream);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto now = scrape();
    EXPECT_EQ(series(now, ok), counted + 1) << "call " << i << (stream ? " (stream)" : "");
    EXPECT_GT(series(now, tokens), output) << "call " << i << (stream ? " (stream)" : "");
    EXPECT_EQ(series(now, "qgate_open_streams"), 0) << "call " << i;
    counted = series(now, ok);
    output = series(now, tokens);
  }
}

TEST_F(observability, metrics_are_for_loopback_by_default_and_for_the_admin_key_when_so_set) {
  start({{"QGATE_METRICS_ACCESS", "admin_key"}, {"QGATE_ADMIN_KEY", "adm-0123456789abcdef-key"}});
  EXPECT_EQ(http_request("GET", qgate_->url("/metrics")).status, 404);
  EXPECT_EQ(
      http_request("GET", qgate_->url("/metrics"), {}, {"Authorization: Bearer wrong"}).status,
      404);
  const auto allowed = http_request("GET", qgate_->url("/metrics"), {},
                                    {"Authorization: Bearer adm-0123456789abcdef-key"});
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(http_request("POST", qgate_->url("/metrics")).status, 405);
}

TEST_F(observability, a_real_prometheus_scrapes_the_gateway_and_answers_queries_on_its_series) {
  start();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(chat("", i == 0).status, 200);  // open mode
  const auto dir = qgate_->directory / "prometheus";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: qgate\n"
      << "    static_configs:\n      - targets: ['127.0.0.1:" << qgate_->port << "']\n";
  const auto port = free_port();
  child_process prometheus("/usr/bin/prometheus",
                           {"--config.file=" + (dir / "prometheus.yml").string(),
                            "--storage.tsdb.path=" + (dir / "data").string(),
                            "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                           {});
  const auto query = "http://127.0.0.1:" + std::to_string(port) +
                     "/api/v1/query?query=qgate_http_requests_total%7Broute%3D%22chat%22%7D";
  std::string last;
  EXPECT_TRUE(eventually(
      [&] {
        last = http_request("GET", query).body;
        return last.find(R"("status":"200")") != std::string::npos &&
               last.find(R"("3")") != std::string::npos;
      },
      30s))
      << last << prometheus.output();
}

TEST_F(observability, readiness_drops_at_sigterm_before_the_listener_stops) {
  start({{"QGATE_SERVER_UNREADY_DELAY_MS", "1500"}});
  EXPECT_EQ(http_request("GET", qgate_->url("/readyz")).status, 200);
  ::kill(qgate_->process->pid(), SIGTERM);
  EXPECT_TRUE(
      eventually([&] { return http_request("GET", qgate_->url("/readyz")).status == 503; }, 1s));
  const auto during = http_request("GET", qgate_->url("/readyz"));
  EXPECT_NE(during.body.find("shutting down"), std::string::npos) << during.body;
  // Still serving everything else while the balancer takes it out.
  EXPECT_EQ(chat("", false).status, 200);
  EXPECT_EQ(qgate_->process->wait(15s), 0);
}

TEST_F(observability, readiness_follows_the_catalog_store) {
  postgres_cluster postgres;
  ASSERT_TRUE(postgres.ok());
  start({{"QGATE_CATALOG_POSTGRES_URL", postgres.create_database()}});
  EXPECT_EQ(http_request("GET", qgate_->url("/readyz")).status, 200);
  postgres.stop();
  EXPECT_TRUE(
      eventually([&] { return http_request("GET", qgate_->url("/readyz")).status == 503; }, 5s));
  EXPECT_EQ(chat("", false).status, 200) << "serving goes on from the snapshot";
  ASSERT_TRUE(postgres.start());
  EXPECT_TRUE(
      eventually([&] { return http_request("GET", qgate_->url("/readyz")).status == 200; }, 10s));
}

TEST_F(observability, traceparent_reaches_the_upstream_and_the_access_log_tells_the_call) {
  start();
  const auto key = new_tenant({"team-t"});
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  http_request("DELETE", upstream_->base_url() + "/mock/requests");
  ASSERT_EQ(chat(key, true, {"traceparent: " + traceparent}).status, 200);
  ASSERT_EQ(chat(key, false, {"traceparent: not-a-trace"}).status, 200);
  const auto recorded = http_request("GET", upstream_->base_url() + "/mock/requests").body;
  simdjson::dom::parser parser;
  std::vector<std::string> sent;
  for (auto request : parser.parse(recorded).get_array()) {
    for (auto field : request["headers"].get_object()) {
      std::string name(field.key);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "traceparent") sent.emplace_back(std::string_view(field.value));
    }
  }
  ASSERT_EQ(sent.size(), 2u) << recorded;
  EXPECT_EQ(sent[0], traceparent);
  EXPECT_TRUE(sent[1].starts_with("00-") && sent[1].size() == 55) << sent[1];
  EXPECT_EQ(qgate_->process->terminate(), 0);
  const auto log = qgate_->process->output();
  EXPECT_NE(log.find("trace=4bf92f3577b34da6a3ce929d0e0e4736 tenant=team-t model=qwen-turbo "
                     "upstream=200 ttft_us="),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("trace=" + sent[1].substr(3, 32)), std::string::npos);
  EXPECT_EQ(log.find(key), std::string::npos) << "never the key";
  EXPECT_EQ(log.find("\"hi\""), std::string::npos) << "never the contents";
}

}  // namespace
}  // namespace qgate::testing
