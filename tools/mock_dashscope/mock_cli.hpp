// The mock's command line: `--name value` or `--name=value`, checked against the named limits.
#pragma once

#include "tools/mock_dashscope/mock_options.hpp"

#include <optional>
#include <string>

namespace qgate::mock {

struct cli_result {
  std::optional<options> value;  // empty: print `message` and exit
  std::string message;           // the error, or the usage text for --help
  bool help = false;
};

cli_result parse_cli(int argc, const char* const* argv);

}  // namespace qgate::mock
