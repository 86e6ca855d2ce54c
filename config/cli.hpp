// Command-line flags of the qgate binary.
#pragma once

#include "config/loader.hpp"

#include <optional>

namespace qgate::config {

struct cli_result {
  std::optional<cli_options> options;  // empty: exit with `exit_code` (after --help, a bad flag)
  int exit_code = 0;
};

[[nodiscard]] cli_result parse_cli(int argc, char** argv);

}  // namespace qgate::config
