// Command-line flags → run_options, with CLI11; errors come back as values with the exit code.
#pragma once

#include <optional>
#include <string>

#include "tools/loadgen/run_options.hpp"

namespace qgate::loadgen {

struct cli_result {
  std::optional<run_options> options;  // empty: print message and exit with exit_code
  std::string message;
  int exit_code = 0;
};

[[nodiscard]] cli_result parse_cli(int argc, const char* const* argv);

}  // namespace qgate::loadgen
