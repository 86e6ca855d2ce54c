// Starts the real qgate binary against the real mock DashScope, each on an ephemeral port.
#pragma once

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace qgate::testing {

inline const std::string qgate_binary = QGATE_BINARY_DIR "/qgate";
inline const std::string mock_binary = QGATE_BINARY_DIR "/tools/mock_dashscope/mock_dashscope";
inline const std::string mock_key = "sk-qgate-mock";

struct mock_upstream {
  explicit mock_upstream(std::vector<std::string> args = {});
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;
};

struct gateway_options {
  std::map<std::string, std::string> env;  // added to (and overriding) the defaults below
  std::vector<std::string> args;
  bool with_api_key = true;
  // Where the catalog and the spill file live; empty: a fresh directory, removed with the gateway.
  // Given, it outlives the gateway (a restart over the same data).
  std::filesystem::path directory;
};

// qgate with a fresh catalog in a temporary directory, pointed at `upstream_url`.
struct gateway {
  gateway(const std::string& upstream_url, gateway_options options = {});
  ~gateway();
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
  }
  std::filesystem::path directory;
  bool owns_directory = true;
  std::unique_ptr<child_process> process;
  std::uint16_t port = 0;
};

std::string chat_body(std::string_view model, std::string_view prompt, bool stream,
                      std::string_view extra = {});

}  // namespace qgate::testing
