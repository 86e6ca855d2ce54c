#include "config/cli.hpp"

#include <CLI/CLI.hpp>

namespace qgate::config {

cli_result parse_cli(int argc, char** argv) {
  CLI::App app{"qgate: an LLM gateway in front of Qwen models on DashScope"};
  cli_options options;
  std::string config_path;
  std::string host;
  int port = 0;
  auto* config_flag = app.add_option("--config", config_path, "TOML configuration file");
  auto* host_flag = app.add_option("--host", host, "listen address (server.host)")
                        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto* port_flag = app.add_option("--port", port, "listen port, 0 for any (server.port)")
                        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("--allow-anonymous", options.allow_anonymous,
               "serve without tenants on a non-loopback address");
  app.set_version_flag("--version", "qgate 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& failure) {
    const int code = app.exit(failure);
    // CLI11 returns 0 for --help/--version; every real mistake is a usage error.
    return {std::nullopt, code == 0 ? 0 : 2};
  }
  if (*config_flag) options.config_path = config_path;
  if (*host_flag) options.host = host;
  if (*port_flag) options.port = port;
  return {options, 0};
}

}  // namespace qgate::config
