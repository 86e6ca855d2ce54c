#include "config/key_table.hpp"
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>

namespace {

using namespace qgate::config;

class config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("qgate-config-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write(const std::string& text) {
    const auto path = directory_ / "qgate.toml";
    std::ofstream(path) << text;
    return path.string();
  }

  load_result load(const std::string& toml, std::map<std::string, std::string> env = {},
                   cli_options cli = {}) {
    if (!toml.empty()) cli.config_path = write(toml);
    return load_settings(cli, [env](std::string_view name) -> std::optional<std::string> {
      auto found = env.find(std::string(name));
      if (found == env.end()) return std::nullopt;
      return found->second;
    });
  }

  // The key named by the failure, or "" when loading succeeded.
  std::string failing_key(const std::string& toml, std::map<std::string, std::string> env = {},
                          cli_options cli = {}) {
    auto result = load(toml, std::move(env), std::move(cli));
    if (!result.failure) return "";
    EXPECT_NE(result.failure->message.find(result.failure->key), std::string::npos)
        << "the message names the key: " << result.failure->message;
    return result.failure->key;
  }

  std::filesystem::path directory_;
};

TEST_F(config_test, defaults_without_a_file) {
  auto result = load("");
  ASSERT_TRUE(result.value);
  const settings defaults;
  EXPECT_EQ(result.value->server.port, 8000);
  EXPECT_EQ(result.value->server.host, "127.0.0.1");
  EXPECT_EQ(result.value->server.io_threads, 0);  // one per core
  EXPECT_EQ(result.value->upstream.base_url, defaults.upstream.base_url);
  EXPECT_TRUE(result.value->upstream.api_key.empty());
}

TEST_F(config_test, shipped_file_equals_the_defaults) {
  cli_options cli;
  cli.config_path = std::string(QGATE_SOURCE_DIR) + "/config/qgate.toml";
  auto result = load_settings(cli, [](std::string_view) { return std::optional<std::string>{}; });
  ASSERT_TRUE(result.value) << result.failure->message;
  EXPECT_EQ(describe(*result.value), describe(settings{}));
  // Every key of the table appears in the shipped file, documented.
  std::ifstream in(*cli.config_path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& key : key_table()) {
    EXPECT_NE(text.find("\n" + std::string(key.name) + " ="), std::string::npos) << key.dotted();
  }
}

TEST_F(config_test, full_file) {
  auto result = load(R"(
[server]
host = "0.0.0.0"
port = 9000
io_threads = 2
max_body_bytes = 2048
[upstream]
base_url = "http://127.0.0.1:1234"
idle_timeout_ms = 1500
[catalog]
path = "/tmp/x.db"
[log]
level = "debug"
format = "json"
access = false
)");
  ASSERT_TRUE(result.value) << result.failure->message;
  const auto& s = *result.value;
  EXPECT_EQ(s.server.host, "0.0.0.0");
  EXPECT_EQ(s.server.port, 9000);
  EXPECT_EQ(s.server.io_threads, 2);
  EXPECT_EQ(s.server.max_body_bytes, 2048u);
  EXPECT_EQ(s.upstream.base_url, "http://127.0.0.1:1234");
  EXPECT_EQ(s.upstream.idle_timeout_ms, 1500);
  EXPECT_EQ(s.catalog.path, "/tmp/x.db");
  EXPECT_EQ(s.log.level, "debug");
  EXPECT_EQ(s.log.format, log_format::json);
  EXPECT_FALSE(s.log.access);
}

TEST_F(config_test, every_key_has_an_environment_override) {
  for (const auto& key : key_table()) {
    std::string value;
    switch (key.kind) {
      case value_kind::integer:
        value = std::to_string(key.max);
        break;
      case value_kind::boolean:
        value = "false";
        break;
      case value_kind::text:
        // api_keys: a reference to a variable that exists here (this one).
        value = key.name == "base_url"                             ? "http://override"
                : key.name == "level"                              ? "warn"
                : key.name == "format"                             ? "json"
                : key.name == "fallbacks"                          ? "a: b"
                : key.name == "api_keys"                           ? "env:" + key.env_name()
                : key.name == "key_ref"                            ? "env:" + key.env_name()
                : key.name == "postgres_url"                       ? "postgresql://override"
                : key.name == "redis_url"                          ? "redis://override"
                : key.name == "access" && key.section == "metrics" ? "open"
                                                                   : "override";
        break;
    }
    auto result = load("", {{key.env_name(), value}});
    ASSERT_TRUE(result.value) << key.env_name() << ": " << result.failure->message;
    EXPECT_NE(describe(*result.value), describe(settings{})) << key.env_name() << " had no effect";
  }
}

TEST_F(config_test, precedence_cli_over_env_over_file) {
  const std::string file = "[server]\nport = 1000\nhost = \"10.0.0.1\"\n";
  EXPECT_EQ(load(file).value->server.port, 1000);
  EXPECT_EQ(load(file, {{"QGATE_SERVER_PORT", "2000"}}).value->server.port, 2000);
  cli_options cli;
  cli.port = 3000;
  cli.host = "127.0.0.2";
  auto all = load(file, {{"QGATE_SERVER_PORT", "2000"}}, cli);
  EXPECT_EQ(all.value->server.port, 3000);
  EXPECT_EQ(all.value->server.host, "127.0.0.2");
}

TEST_F(config_test, dashscope_environment) {
  auto result =
      load("", {{"DASHSCOPE_API_KEY", "sk-secret"}, {"DASHSCOPE_BASE_URL", "http://mock:1"}});
  EXPECT_EQ(result.value->upstream.api_key, "sk-secret");
  EXPECT_EQ(result.value->upstream.base_url, "http://mock:1");
  EXPECT_EQ(describe(*result.value).find("sk-secret"), std::string::npos);
  auto specific =
      load("", {{"DASHSCOPE_BASE_URL", "http://a"}, {"QGATE_UPSTREAM_BASE_URL", "http://b"}});
  EXPECT_EQ(specific.value->upstream.base_url, "http://b");
}

TEST_F(config_test, bad_values_name_their_key) {
  EXPECT_EQ(failing_key("[server]\nport = 70000\n"), "server.port");
  EXPECT_EQ(failing_key("[server]\nport = \"80\"\n"), "server.port");
  EXPECT_EQ(failing_key("[server]\nio_threads = 65\n"), "server.io_threads");
  EXPECT_EQ(failing_key("[server]\nio_threads = -1\n"), "server.io_threads");
  EXPECT_EQ(failing_key("[server]\nmax_header_bytes = 10\n"), "server.max_header_bytes");
  EXPECT_EQ(failing_key("[server]\nhost = \"\"\n"), "server.host");
  EXPECT_EQ(failing_key("[server]\nprot = 80\n"), "server.prot");
  EXPECT_EQ(failing_key("[serve]\nport = 80\n"), "serve");
  EXPECT_EQ(failing_key("\"\" = 0\n"), "\"\"");  // found by fuzz_config
  EXPECT_EQ(failing_key("[upstream]\nbase_url = \"ftp://x\"\n"), "upstream.base_url");
  EXPECT_EQ(failing_key("[upstream]\napi_key = \"sk-1\"\n"), "upstream.api_key");
  EXPECT_EQ(failing_key("[upstream]\nidle_timeout_ms = 0\n"), "upstream.idle_timeout_ms");
  EXPECT_EQ(failing_key("[catalog]\nreload_interval_ms = 5\n"), "catalog.reload_interval_ms");
  EXPECT_EQ(failing_key("[log]\nlevel = \"loud\"\n"), "log.level");
  EXPECT_EQ(failing_key("[log]\nformat = \"xml\"\n"), "log.format");
  EXPECT_EQ(failing_key("[log]\naccess = 1\n"), "log.access");
  EXPECT_EQ(failing_key("[server\nport = 1\n"), "config");
  EXPECT_EQ(failing_key("", {{"QGATE_SERVER_PORT", "80x"}}), "server.port");
  EXPECT_EQ(failing_key("", {{"QGATE_SERVER_PORT", ""}}), "server.port");
  EXPECT_EQ(failing_key("", {{"QGATE_LOG_ACCESS", "yes"}}), "log.access");
  EXPECT_EQ(failing_key("", {{"QGATE_SERVER_IO_THREADS", "-1"}}), "server.io_threads");
  EXPECT_EQ(failing_key("[actors]\nthreads = 2\n"), "actors");  // removed: actors run on io threads
  cli_options missing;
  missing.config_path = "/nonexistent/qgate.toml";
  EXPECT_EQ(failing_key("", {}, missing), "config");
  cli_options bad_port;
  bad_port.port = -1;
  EXPECT_EQ(failing_key("", {}, bad_port), "server.port");
}

TEST_F(config_test, upstream_max_idle_connections) {
  EXPECT_EQ(load("").value->upstream.max_idle_connections, 1024);
  EXPECT_EQ(load("[upstream]\nmax_idle_connections = 8\n").value->upstream.max_idle_connections, 8);
  EXPECT_EQ(
      load("", {{"QGATE_UPSTREAM_MAX_IDLE_CONNECTIONS", "0"}}).value->upstream.max_idle_connections,
      0);
  EXPECT_EQ(failing_key("[upstream]\nmax_idle_connections = -1\n"),
            "upstream.max_idle_connections");
}

TEST_F(config_test, server_max_connections) {
  EXPECT_EQ(load("").value->server.max_connections, 10000);
  EXPECT_EQ(load("[server]\nmax_connections = 3\n").value->server.max_connections, 3);
  EXPECT_EQ(load("", {{"QGATE_SERVER_MAX_CONNECTIONS", "0"}}).value->server.max_connections, 0);
  EXPECT_EQ(load("[server]\nmax_connections = 3\n", {{"QGATE_SERVER_MAX_CONNECTIONS", "7"}})
                .value->server.max_connections,
            7);
  EXPECT_NE(describe(*load("", {{"QGATE_SERVER_MAX_CONNECTIONS", "3"}}).value)
                .find("sse_ping_ms=15000 max_connections=3 |"),
            std::string::npos);
  EXPECT_EQ(failing_key("[server]\nmax_connections = -1\n"), "server.max_connections");
  EXPECT_EQ(failing_key("", {{"QGATE_SERVER_MAX_CONNECTIONS", "1000001"}}),
            "server.max_connections");
  EXPECT_EQ(failing_key("", {{"QGATE_SERVER_MAX_CONNECTIONS", "many"}}), "server.max_connections");
}

TEST_F(config_test, several_dashscope_keys_and_their_weights) {
  auto one = load("", {{"DASHSCOPE_API_KEY", "sk-one"}});
  ASSERT_EQ(one.value->upstream.keys.size(), 1u);
  EXPECT_EQ(one.value->upstream.keys[0].value, "sk-one");
  auto many = load("", {{"DASHSCOPE_API_KEYS", "sk-a*3, sk-b"}, {"DASHSCOPE_API_KEY", "sk-one"}});
  ASSERT_EQ(many.value->upstream.keys.size(), 2u) << "DASHSCOPE_API_KEYS wins";
  EXPECT_EQ(many.value->upstream.keys[0].value, "sk-a");
  EXPECT_EQ(many.value->upstream.keys[0].weight, 3);
  EXPECT_EQ(many.value->upstream.keys[1].weight, 1);
  EXPECT_EQ(many.value->upstream.api_key, "sk-a");
  const auto text = describe(*many.value);
  EXPECT_EQ(text.find("sk-a"), std::string::npos);
  EXPECT_NE(text.find("keys=2"), std::string::npos);
  // References in the file: an environment variable and a file (trimmed), never a literal key.
  std::ofstream(directory_ / "key_b") << "  sk-from-file\n";
  auto refs =
      load("[upstream]\napi_keys = \"env:KEY_A*2, file:" + (directory_ / "key_b").string() + "\"\n",
           {{"KEY_A", "sk-from-env"}});
  ASSERT_TRUE(refs.value) << refs.failure->message;
  ASSERT_EQ(refs.value->upstream.keys.size(), 2u);
  EXPECT_EQ(refs.value->upstream.keys[0].value, "sk-from-env");
  EXPECT_EQ(refs.value->upstream.keys[0].weight, 2);
  EXPECT_EQ(refs.value->upstream.keys[1].value, "sk-from-file");
  EXPECT_EQ(failing_key("[upstream]\napi_keys = \"sk-literal\"\n"), "upstream.api_keys");
  EXPECT_EQ(failing_key("[upstream]\napi_keys = \"env:MISSING\"\n"), "upstream.api_keys");
  auto missing = load("[upstream]\napi_keys = \"env:MISSING\"\n", {{"OTHER", "sk-secret"}});
  EXPECT_EQ(missing.failure->message.find("sk-"), std::string::npos);
  EXPECT_EQ(failing_key("[upstream]\napi_keys = \"env:A*0\"\n"), "upstream.api_keys");
  // A reference to a directory is no key (libstdc++ throws reading one: found by fuzz_config).
  EXPECT_EQ(failing_key("[upstream]\napi_keys = \"file:/tmp\"\n"), "upstream.api_keys");
  EXPECT_EQ(failing_key("", {{"DASHSCOPE_API_KEYS", "sk-a,,sk-b"}}), "DASHSCOPE_API_KEYS");
  EXPECT_EQ(failing_key("", {{"DASHSCOPE_API_KEYS", "sk-a*x"}}), "DASHSCOPE_API_KEYS");
}

// The admin key: QGATE_ADMIN_KEY, else a reference in admin.key_ref; never in the file, never a
// tenant key, never shown.
TEST_F(config_test, the_admin_key_comes_from_the_environment_or_a_reference) {
  auto off = load("");
  ASSERT_TRUE(off.value);
  EXPECT_TRUE(off.value->admin.key.empty());
  EXPECT_NE(describe(*off.value).find("admin api=off"), std::string::npos);
  const std::string secret = "admin-secret-0123456789";
  auto direct = load("", {{"QGATE_ADMIN_KEY", secret}});
  ASSERT_TRUE(direct.value) << direct.failure->message;
  EXPECT_EQ(direct.value->admin.key, secret);
  EXPECT_NE(describe(*direct.value).find("admin api=on"), std::string::npos);
  EXPECT_EQ(describe(*direct.value).find(secret), std::string::npos);
  std::ofstream(directory_ / "admin_key") << "\n  " << secret << "-file \n";
  auto from_file =
      load("[admin]\nkey_ref = \"file:" + (directory_ / "admin_key").string() + "\"\n");
  ASSERT_TRUE(from_file.value) << from_file.failure->message;
  EXPECT_EQ(from_file.value->admin.key, secret + "-file");
  auto from_env = load("[admin]\nkey_ref = \"env:MY_ADMIN\"\n",
                       {{"MY_ADMIN", secret + "-env"}, {"QGATE_ADMIN_KEY", secret}});
  ASSERT_TRUE(from_env.value);
  EXPECT_EQ(from_env.value->admin.key, secret) << "QGATE_ADMIN_KEY wins";

  EXPECT_EQ(failing_key("[admin]\nkey = \"" + secret + "\"\n"), "admin.key");
  EXPECT_EQ(failing_key("[admin]\nkey_ref = \"" + secret + "\"\n"), "admin.key_ref");
  auto literal = load("[admin]\nkey_ref = \"" + secret + "\"\n");
  EXPECT_EQ(literal.failure->message.find(secret), std::string::npos) << literal.failure->message;
  EXPECT_EQ(failing_key("[admin]\nkey_ref = \"env:UNSET\"\n"), "admin.key_ref");
  for (const std::string bad : {"short-key", "qg-looks-like-a-tenant-key", "with space 0123456789",
                                "non-ascii-é-0123456789"}) {
    auto refused = load("", {{"QGATE_ADMIN_KEY", bad}});
    ASSERT_TRUE(refused.failure) << bad;
    EXPECT_EQ(refused.failure->key, "QGATE_ADMIN_KEY");
    EXPECT_EQ(refused.failure->message.find(bad), std::string::npos) << refused.failure->message;
  }
}

TEST_F(config_test, retries_and_fallbacks) {
  auto result = load(
      "[upstream]\nmax_retries = 4\nfallbacks = \"qwen-max: qwen-plus, qwen-turbo; qwen-plus: "
      "qwen-turbo;\"\n",
      {{"QGATE_UPSTREAM_RETRY_BUDGET_PERCENT", "50"}});
  ASSERT_TRUE(result.value) << result.failure->message;
  const auto& upstream = result.value->upstream;
  EXPECT_EQ(upstream.max_retries, 4);
  EXPECT_EQ(upstream.retry_budget_percent, 50);
  ASSERT_EQ(upstream.fallbacks.size(), 2u);
  EXPECT_EQ(upstream.fallbacks.at("qwen-max"),
            (std::vector<std::string>{"qwen-plus", "qwen-turbo"}));
  EXPECT_EQ(upstream.fallbacks.at("qwen-plus"), (std::vector<std::string>{"qwen-turbo"}));
  EXPECT_EQ(failing_key("[upstream]\nfallbacks = \"qwen-max qwen-plus\"\n"), "upstream.fallbacks");
  EXPECT_EQ(failing_key("[upstream]\nfallbacks = \"a: a\"\n"), "upstream.fallbacks");
  EXPECT_EQ(failing_key("[upstream]\nfallbacks = \"a: b; a: c\"\n"), "upstream.fallbacks");
  EXPECT_EQ(failing_key("[upstream]\nfallbacks = \"a: b,,c\"\n"), "upstream.fallbacks");
  EXPECT_EQ(failing_key("[upstream]\nmax_retries = 11\n"), "upstream.max_retries");
  EXPECT_EQ(failing_key("", {{"QGATE_UPSTREAM_BREAKER_FAILURES", "0"}}),
            "upstream.breaker_failures");
}

TEST_F(config_test, fleet_engines_by_url_and_never_a_password_in_a_message) {
  auto result = load("[catalog]\npostgres_url = \"postgresql://qgate@db:5432/qgate\"\n",
                     {{"QGATE_LIMITS_REDIS_URL", "redis://:s3cret@cache:6379/2"},
                      {"QGATE_LIMITS_REDIS_TIMEOUT_MS", "20"}});
  ASSERT_TRUE(result.value) << result.failure->message;
  EXPECT_EQ(result.value->catalog.postgres_url, "postgresql://qgate@db:5432/qgate");
  EXPECT_EQ(result.value->limits.redis_url, "redis://:s3cret@cache:6379/2");
  EXPECT_EQ(result.value->limits.redis_timeout_ms, 20);
  EXPECT_EQ(result.value->limits.redis_slot_ttl_ms, 30'000);
  EXPECT_EQ(describe(*result.value).find("s3cret"), std::string::npos);
  EXPECT_NE(describe(*result.value).find("redis://:***@cache:6379/2"), std::string::npos);

  EXPECT_EQ(failing_key("", {{"QGATE_CATALOG_POSTGRES_URL", "mysql://x"}}), "catalog.postgres_url");
  EXPECT_EQ(failing_key("[limits]\nredis_url = \"rediss://cache\"\n"), "limits.redis_url");
  EXPECT_EQ(failing_key("[limits]\nredis_url = \"redis://\"\n"), "limits.redis_url");
  EXPECT_EQ(failing_key("[limits]\nredis_timeout_ms = 0\n"), "limits.redis_timeout_ms");
  auto bad = load("[limits]\nredis_url = \"http://u:hunter2@cache\"\n");
  ASSERT_TRUE(bad.failure);
  EXPECT_EQ(bad.failure->message.find("hunter2"), std::string::npos) << bad.failure->message;

  EXPECT_EQ(without_password("postgresql://qgate:pw@db:5432/q"),
            "postgresql://qgate:***@db:5432/q");
  EXPECT_EQ(without_password("redis://:p@ss@h:1/0"), "redis://:***@h:1/0");
  EXPECT_EQ(without_password("redis://h:6379/0"), "redis://h:6379/0");
  EXPECT_EQ(without_password("postgresql://u@h/db?x=a:b@c"), "postgresql://u@h/db?x=a:b@c");
}

TEST_F(config_test, providers_serve_the_models_they_name) {
  auto result = load(
      "[[providers]]\nname = \"vllm\"\nkind = \"openai\"\nbase_url = \"http://vllm:8000/v1\"\n"
      "models = [\"qwen3-8b\", \"qwen-plus\"]\nfirst_byte_timeout_ms = 5000\n"
      "[[providers]]\nname = \"compat\"\nkind = \"openai\"\n"
      "base_url = \"https://dashscope.aliyuncs.com/compatible-mode/v1\"\n"
      "api_keys = \"env:COMPAT_KEY*2\"\nmodels = [\"qwen-max\"]\n",
      {{"COMPAT_KEY", "sk-compat"}});
  ASSERT_TRUE(result.value) << result.failure->message;
  const auto& providers = result.value->providers;
  ASSERT_EQ(providers.size(), 2u);
  EXPECT_EQ(providers[0].name, "vllm");
  EXPECT_EQ(providers[0].kind, "openai");
  EXPECT_EQ(providers[0].models, (std::vector<std::string>{"qwen3-8b", "qwen-plus"}));
  EXPECT_TRUE(providers[0].keys.empty()) << "a server without keys";
  EXPECT_EQ(providers[0].first_byte_timeout_ms, 5000);
  EXPECT_FALSE(providers[0].idle_timeout_ms.has_value());
  ASSERT_EQ(providers[1].keys.size(), 1u);
  EXPECT_EQ(providers[1].keys[0].value, "sk-compat");
  EXPECT_EQ(providers[1].keys[0].weight, 2);
  EXPECT_EQ(describe(*result.value).find("sk-compat"), std::string::npos);
  const std::string ok =
      "name = \"p\"\nkind = \"openai\"\nbase_url = \"http://x/v1\"\nmodels = [\"m\"]\n";
  EXPECT_EQ(failing_key("[[providers]]\n" + ok + "colour = 1\n"), "providers[0].colour");
  EXPECT_EQ(failing_key("[[providers]]\nname = \"p\"\nkind = \"grpc\"\nbase_url = \"http://x\"\n"
                        "models = [\"m\"]\n"),
            "providers[0].kind");
  EXPECT_EQ(failing_key("[[providers]]\nname = \"p\"\nkind = \"openai\"\nbase_url = \"x\"\n"
                        "models = [\"m\"]\n"),
            "providers[0].base_url");
  EXPECT_EQ(failing_key("[[providers]]\nname = \"p\"\nkind = \"openai\"\nbase_url = \"http://x\"\n"
                        "models = []\n"),
            "providers[0].models");
  EXPECT_EQ(failing_key("[[providers]]\n" + ok + "[[providers]]\n" + ok), "providers[1].name");
  EXPECT_EQ(
      failing_key("[[providers]]\n" + ok + "[[providers]]\n" +
                  "name = \"q\"\nkind = \"openai\"\nbase_url = \"http://y\"\nmodels = [\"m\"]\n"),
      "providers[1].models")
      << "a model is served by one provider";
  EXPECT_EQ(failing_key("[[providers]]\n" + ok + "api_keys = \"sk-literal\"\n"),
            "providers[0].api_keys");
  EXPECT_EQ(failing_key("[[providers]]\n" + ok + "api_keys = \"env:UNSET\"\n"),
            "providers[0].api_keys");
  EXPECT_EQ(failing_key("[[providers]]\n" + ok + "idle_timeout_ms = 0\n"),
            "providers[0].idle_timeout_ms");
  EXPECT_EQ(failing_key("providers = 3\n"), "providers");
}

TEST_F(config_test, syntax_error_reports_line_and_column) {
  auto result = load("[server]\nport = = 1\n");
  ASSERT_TRUE(result.failure);
  EXPECT_NE(result.failure->message.find(":2:"), std::string::npos) << result.failure->message;
}

}  // namespace
