// A fleet: three qgate instances over one PostgreSQL (models, tenants, the ledger) and one Redis
// (every limit), both real engines started by the test. What one instance's operator changes
// reaches all; limits are exact over the fleet; the ledger loses nothing when an instance stops or
// an engine fails.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/support/engines.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <thread>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

class fleet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    postgres_ = new postgres_cluster();
    redis_ = new redis_server();
  }
  static void TearDownTestSuite() {
    delete redis_;
    delete postgres_;
  }

  void SetUp() override {
    ASSERT_TRUE(postgres_->ok()) << "PostgreSQL 15 did not start";
    ASSERT_TRUE(redis_->ok()) << "redis-server did not start";
    ASSERT_TRUE(redis_->start() && redis_->flush_all()) << "redis-server did not restart";
    database_ = postgres_->create_database();
    ASSERT_FALSE(database_.empty());
    upstream_ = std::make_unique<mock_upstream>(std::vector<std::string>{"--chunks", "4"});
  }

  std::map<std::string, std::string> engines_env() const {
    return {{"QGATE_CATALOG_POSTGRES_URL", database_},
            {"QGATE_LIMITS_REDIS_URL", redis_->url()},
            {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "200"},
            {"QGATE_LIMITS_LEDGER_FLUSH_MS", "50"}};
  }

  void start_instances(int count, std::map<std::string, std::string> extra = {}) {
    for (int i = 0; i < count; ++i) {
      gateway_options options;
      options.env = engines_env();
      for (auto& [key, value] : extra) options.env[key] = value;
      instances_.push_back(std::make_unique<gateway>(upstream_->base_url(), options));
      ASSERT_NE(instances_.back()->port, 0);
    }
  }

  // `qgate tenant ARGS` with nothing but the engines' configuration, as from an operator's laptop.
  std::pair<std::string, int> admin(std::vector<std::string> args) const {
    args.insert(args.begin(), "tenant");
    child_process command(qgate_binary, args, engines_env());
    const int code = command.wait(30s);
    return {command.output(), code};
  }
  std::string new_tenant(std::vector<std::string> flags) const {
    flags.insert(flags.begin(), "add");
    auto [output, code] = admin(flags);
    EXPECT_EQ(code, 0) << output;
    const auto at = output.find("qg-");
    return at == std::string::npos ? std::string() : output.substr(at, output.find('\n', at) - at);
  }

  int models_status(const gateway& qgate, const std::string& key) const {
    return http_request("GET", qgate.url("/api/llm/models"), {}, {"X-API-Key: " + key}).status;
  }
  // Every instance answers `key` with `status` (each reloads on its own notification) and, tenants
  // existing, refuses a wrong key (before the first tenant an instance serves anyone on loopback).
  bool all_answer(const std::string& key, int status, std::chrono::milliseconds within = 2s) const {
    return eventually(
        [&] {
          for (const auto& qgate : instances_) {
            if (models_status(*qgate, key) != status || models_status(*qgate, "qg-wrong") != 401)
              return false;
          }
          return true;
        },
        within);
  }
  http_response chat(const gateway& qgate, const std::string& key, bool stream = false) const {
    return http_request("POST", qgate.url("/api/llm/chat"), chat_body("qwen-turbo", "hi", stream),
                        {"Content-Type: application/json", "X-API-Key: " + key});
  }
  // The tenant's requests over every day, as `qgate` reports them (-1: no answer).
  std::int64_t requests_seen(const gateway& qgate, const std::string& key) const {
    const auto usage =
        http_request("GET", qgate.url("/api/llm/usage?from=2000-01-01&to=2999-12-31"), {},
                     {"X-API-Key: " + key});
    if (usage.status != 200) return -1;
    simdjson::dom::parser parser;
    simdjson::dom::array days;
    if (parser.parse(usage.body)["data"].get(days) != simdjson::SUCCESS) return -1;
    std::int64_t requests = 0;
    for (auto day : days) requests += std::int64_t(day["requests"]);
    return requests;
  }

  static postgres_cluster* postgres_;
  static redis_server* redis_;
  std::string database_;
  std::unique_ptr<mock_upstream> upstream_;
  std::vector<std::unique_ptr<gateway>> instances_;
};

postgres_cluster* fleet::postgres_ = nullptr;
redis_server* fleet::redis_ = nullptr;

TEST_F(fleet, a_tenant_added_disabled_and_rekeyed_by_the_cli_reaches_every_instance) {
  start_instances(3);
  const auto key = new_tenant({"acme", "--rpm", "1000"});
  ASSERT_TRUE(key.starts_with("qg-")) << key;
  EXPECT_TRUE(all_answer(key, 200)) << instances_[2]->process->output();
  EXPECT_EQ(admin({"disable", "acme"}).second, 0);
  EXPECT_TRUE(all_answer(key, 401));
  EXPECT_EQ(admin({"enable", "acme"}).second, 0);
  EXPECT_TRUE(all_answer(key, 200));
  auto [output, code] = admin({"rotate-key", "acme"});
  ASSERT_EQ(code, 0) << output;
  const auto fresh =
      output.substr(output.find("qg-"), output.find('\n', output.find("qg-")) - output.find("qg-"));
  EXPECT_TRUE(all_answer(fresh, 200));
  EXPECT_TRUE(all_answer(key, 401));
  auto listed = admin({"list"});
  EXPECT_NE(listed.first.find("acme"), std::string::npos) << listed.first;
}

TEST_F(fleet, every_instance_reports_the_ledger_of_all_and_a_sigterm_loses_no_row) {
  start_instances(3);
  const auto key = new_tenant({"ledger"});
  ASSERT_TRUE(all_answer(key, 200));
  for (int i = 0; i < 30; ++i) ASSERT_EQ(chat(*instances_[i % 3], key, i % 2 == 0).status, 200);
  // The third instance stops with its last rows still in memory: SIGTERM writes them.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(chat(*instances_[2], key).status, 200);
  EXPECT_EQ(instances_[2]->process->terminate(), 0);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(eventually([&] { return requests_seen(*instances_[i], key) == 35; }, 5s))
        << requests_seen(*instances_[i], key);
  }
}

TEST_F(fleet, postgres_stopped_serving_goes_on_from_the_snapshot_and_the_ledger_catches_up) {
  start_instances(2);
  const auto key = new_tenant({"steady"});
  ASSERT_TRUE(all_answer(key, 200));
  postgres_->stop();
  for (int i = 0; i < 20; ++i) {
    const auto answer = chat(*instances_[i % 2], key, i % 2 == 1);
    ASSERT_EQ(answer.status, 200) << answer.body;
  }
  EXPECT_EQ(models_status(*instances_[0], key), 200);
  ASSERT_TRUE(postgres_->start());
  for (const auto& qgate : instances_) {
    EXPECT_TRUE(eventually([&] { return requests_seen(*qgate, key) == 20; }, 30s))
        << requests_seen(*qgate, key) << qgate->process->output();
  }
  // The catalog follows changes again after the outage.
  const auto later = new_tenant({"later"});
  EXPECT_TRUE(all_answer(later, 200, 5s));
}

TEST_F(fleet, an_unreachable_or_malformed_catalog_url_stops_the_start_with_exit_code_2) {
  const auto closed_port = std::to_string(free_port());
  for (const std::string& url : {"postgresql://qgate:hunter2@127.0.0.1:" + closed_port + "/qgate",
                                 std::string("mysql://x")}) {
    child_process qgate(
        qgate_binary, {"--port", "0"},
        {{"QGATE_CATALOG_POSTGRES_URL", url},
         {"QGATE_CATALOG_SEED", std::string(QGATE_SOURCE_DIR) + "/config/models.json"}});
    EXPECT_EQ(qgate.wait(20s), 2) << qgate.output();
    EXPECT_NE(qgate.output().find("catalog.postgres_url"), std::string::npos) << qgate.output();
    EXPECT_EQ(qgate.output().find("hunter2"), std::string::npos) << qgate.output();
  }
}

}  // namespace
}  // namespace qgate::testing
