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
#include <filesystem>
#include <fstream>
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
            // Under the sanitizers 60 calls at once can keep Redis a few ms: exactness is what is
            // tested here, the fallback on time-out has its own test.
            {"QGATE_LIMITS_REDIS_TIMEOUT_MS", "2000"},
            {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "200"},
            {"QGATE_LIMITS_LEDGER_FLUSH_MS", "50"}};
  }

  // Every answer takes ≈ 400 ms: calls fired together all hold their admission at once.
  void slow_upstream() {
    upstream_ = std::make_unique<mock_upstream>(
        std::vector<std::string>{"--chunks", "4", "--first-byte-ms", "400"});
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
  http_response chat(const gateway& qgate, const std::string& key, bool stream = false,
                     std::string_view extra = {}) const {
    return http_request("POST", qgate.url("/api/llm/chat"),
                        chat_body("qwen-turbo", "hi", stream, extra),
                        {"Content-Type: application/json", "X-API-Key: " + key});
  }
  // `calls` chats fired together, spread over the instances; the statuses they got.
  std::map<int, int> burst(const std::string& key, int calls, bool stream = false,
                           std::string_view extra = {}) const {
    std::vector<std::thread> threads;
    std::vector<int> statuses(static_cast<std::size_t>(calls));
    for (int i = 0; i < calls; ++i) {
      threads.emplace_back([&, i] {
        const auto& qgate = *instances_[static_cast<std::size_t>(i) % instances_.size()];
        const auto answer = chat(qgate, key, stream, extra);
        statuses[static_cast<std::size_t>(i)] = answer.status;
        if (answer.status == 429) {
          EXPECT_EQ(answer.headers.count("retry-after"), 1u);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    std::map<int, int> counts;
    for (int status : statuses) ++counts[status];
    return counts;
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

TEST_F(fleet, three_instances_admit_exactly_a_tenants_rpm_between_them) {
  slow_upstream();
  start_instances(3);
  const auto key = new_tenant({"rpm30", "--rpm", "30"});
  ASSERT_TRUE(all_answer(key, 200));
  const auto statuses = burst(key, 60);
  EXPECT_EQ(statuses.at(200), 30) << statuses.size();
  EXPECT_EQ(statuses.at(429), 30);
}

TEST_F(fleet, stream_slots_and_token_reservations_are_shared_exactly) {
  slow_upstream();
  start_instances(3);
  const auto streams = new_tenant({"two-streams", "--max-streams", "2"});
  // A call reserves its prompt (≈ 1 token) plus max_tokens 100: 300 per minute admit two at once.
  const auto tokens = new_tenant({"tpm300", "--tpm", "300"});
  ASSERT_TRUE(all_answer(streams, 200) && all_answer(tokens, 200));
  auto statuses = burst(streams, 9, true);
  EXPECT_EQ(statuses[200], 2);
  EXPECT_EQ(statuses[429], 7);
  statuses = burst(tokens, 9, false, R"("max_tokens":100)");
  EXPECT_EQ(statuses[200], 2);
  EXPECT_EQ(statuses[429], 7);
  // Released slots count at once, on any instance.
  EXPECT_EQ(burst(streams, 2, true)[200], 2);
}

TEST_F(fleet, redis_down_every_call_is_answered_in_time_and_limits_are_shared_again_after) {
  start_instances(3, {{"QGATE_LIMITS_REDIS_TIMEOUT_MS", "100"}});
  const auto key = new_tenant({"steady", "--rpm", "1000"});
  ASSERT_TRUE(all_answer(key, 200));
  const auto answered_in_time = [&] {
    for (int i = 0; i < 6; ++i) {
      const auto started = std::chrono::steady_clock::now();
      const auto answer = chat(*instances_[static_cast<std::size_t>(i) % 3], key);
      EXPECT_EQ(answer.status, 200) << answer.body;  // this instance's own limits decide
      // Redis may add its timeout (100 ms), nothing more (the rest is margin for the sanitizers).
      EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms + 300ms);
    }
  };
  redis_->stop();
  answered_in_time();
  ASSERT_TRUE(redis_->start());
  redis_->pause();  // a Redis that holds the connection and answers nothing
  answered_in_time();
  redis_->resume();
  const auto later = new_tenant({"later", "--rpm", "6"});
  ASSERT_TRUE(all_answer(later, 200));
  // Within seconds every instance uses Redis again: exact over the fleet.
  EXPECT_TRUE(eventually(
      [&] {
        std::this_thread::sleep_for(1s);
        return redis_->flush_all() && burst(later, 12)[200] == 6;
      },
      10s));
}

// deploy/nginx-fleet.conf as shipped, with this test's ports: nginx in front of three instances.
class nginx_front {
 public:
  nginx_front(const std::vector<std::uint16_t>& instances) : dir_(make_dir()), port_(free_port()) {
    std::ifstream in(std::string(QGATE_SOURCE_DIR) + "/deploy/nginx-fleet.conf");
    std::string site((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t i = 0; i < instances.size(); ++i) {
      const auto shipped = "127.0.0.1:800" + std::to_string(i + 1) + " ";
      site.replace(site.find(shipped), shipped.size() - 1,
                   "127.0.0.1:" + std::to_string(instances[i]));
    }
    site.replace(site.find("listen 8000;"), 12, "listen 127.0.0.1:" + std::to_string(port_) + ";");
    std::ofstream(dir_ / "site.conf") << site;
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nworker_processes 1;\npid " << (dir_ / "nginx.pid").string()
        << ";\nerror_log " << (dir_ / "error.log").string() << " warn;\nevents {}\nhttp {\n"
        << "access_log off;\nclient_body_temp_path " << (dir_ / "tmp").string() << ";\n"
        << "proxy_temp_path " << (dir_ / "tmp").string() << ";\ninclude "
        << (dir_ / "site.conf").string() << ";\n}\n";
    std::filesystem::create_directories(dir_ / "tmp");
    std::filesystem::permissions(dir_ / "tmp", std::filesystem::perms::all);
    process_ = std::make_unique<child_process>(
        "/usr/sbin/nginx",
        std::vector<std::string>{"-p", dir_.string(), "-c", (dir_ / "nginx.conf").string()},
        std::map<std::string, std::string>{});
  }
  ~nginx_front() {
    process_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  static std::filesystem::path make_dir() {
    auto dir = std::filesystem::temp_directory_path() /
               ("qgate-nginx-" + std::to_string(::getpid()) + "-" + std::to_string(free_port()));
    std::filesystem::create_directories(dir);
    return dir;
  }
  std::filesystem::path dir_;
  std::uint16_t port_;
  std::unique_ptr<child_process> process_;
};

TEST_F(fleet, the_shipped_nginx_site_fronts_three_instances_through_a_deploy) {
  start_instances(3);
  const auto key = new_tenant({"behind-nginx", "--rpm", "1000"});
  ASSERT_TRUE(all_answer(key, 200));
  nginx_front nginx({instances_[0]->port, instances_[1]->port, instances_[2]->port});
  const auto through = [&](bool stream) {
    return http_request("POST", nginx.url("/api/llm/chat"), chat_body("qwen-turbo", "hi", stream),
                        {"Content-Type: application/json", "X-API-Key: " + key});
  };
  ASSERT_TRUE(eventually([&] { return through(false).status == 200; }, 5s));
  int served = 1;
  for (int i = 0; i < 12; ++i, ++served) {
    const auto answer = through(i % 2 == 0);
    ASSERT_EQ(answer.status, 200) << answer.body;
    if (i % 2 == 0) {
      EXPECT_NE(answer.body.find("data: [DONE]"), std::string::npos) << answer.body;
    }
  }
  // A deploy: one instance stops; nginx sends every call to the others, none fails.
  EXPECT_EQ(instances_[1]->process->terminate(), 0);
  for (int i = 0; i < 9; ++i, ++served) EXPECT_EQ(through(i % 2 == 1).status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        const auto usage =
            http_request("GET", nginx.url("/api/llm/usage?from=2000-01-01&to=2999-12-31"), {},
                         {"X-API-Key: " + key});
        return usage.status == 200 &&
               usage.body.find("\"requests\":" + std::to_string(served)) != std::string::npos;
      },
      5s));
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
    child_process admin(qgate_binary, {"tenant", "list"}, {{"QGATE_CATALOG_POSTGRES_URL", url}});
    EXPECT_EQ(admin.wait(20s), 2) << admin.output();
    EXPECT_EQ(admin.output().find("hunter2"), std::string::npos) << admin.output();
  }
}

}  // namespace
}  // namespace qgate::testing
