#include "tests/integration/gateway_fixture.hpp"

#include "messages/json_escape.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>

namespace qgate::testing {
namespace {

std::filesystem::path fresh_directory() {
  static std::atomic<int> counter{0};
  auto path = std::filesystem::temp_directory_path() /
              ("qgate-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
  return path;
}

}  // namespace

mock_upstream::mock_upstream(std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", "0", "--api-key", mock_key});
  process =
      std::make_unique<child_process>(mock_binary, args, std::map<std::string, std::string>{});
  port = process->wait_for_port(std::chrono::seconds(10)).value_or(0);
  EXPECT_NE(port, 0) << "mock did not start";
}

gateway::gateway(const std::string& upstream_url, gateway_options options)
    : directory(options.directory.empty() ? fresh_directory() : options.directory),
      owns_directory(options.directory.empty()) {
  std::map<std::string, std::string> env = {
      {"DASHSCOPE_BASE_URL", upstream_url},
      {"QGATE_CATALOG_PATH", (directory / "catalog.db").string()},
      {"QGATE_LIMITS_LEDGER_SPILL_PATH", (directory / "ledger-spill.jsonl").string()},
      {"QGATE_CATALOG_SEED", std::string(QGATE_SOURCE_DIR) + "/config/models.json"},
      {"QGATE_LOG_LEVEL", "info"},
      {"QGATE_DOCS_ASSETS_DIR", std::string(QGATE_SOURCE_DIR) + "/web/node_modules"},
      {"QGATE_DOCS_OPENAPI", std::string(QGATE_SOURCE_DIR) + "/http/docs/openapi.json"},
  };
  if (options.with_api_key) env["DASHSCOPE_API_KEY"] = mock_key;
  for (auto& [key, value] : options.env) env[key] = value;
  std::vector<std::string> args = {"--host", "127.0.0.1", "--port", "0"};
  args.insert(args.end(), options.args.begin(), options.args.end());
  process = std::make_unique<child_process>(qgate_binary, args, env);
  port = process->wait_for_port(std::chrono::seconds(10)).value_or(0);
  EXPECT_NE(port, 0) << "qgate did not start: " << process->output();
}

gateway::~gateway() {
  process.reset();
  std::error_code ignored;
  if (owns_directory) std::filesystem::remove_all(directory, ignored);
}

std::string chat_body(std::string_view model, std::string_view prompt, bool stream,
                      std::string_view extra) {
  std::string body = R"({"model":)" + json_string(model) +
                     R"(,"messages":[{"role":"user","content":)" + json_string(prompt) +
                     R"(}],"stream":)" + (stream ? "true" : "false");
  if (!extra.empty()) {
    body += ',';
    body += extra;
  }
  body += '}';
  return body;
}

}  // namespace qgate::testing
