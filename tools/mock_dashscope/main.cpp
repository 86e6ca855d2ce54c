// mock_dashscope: a scriptable fake of DashScope's native text-generation API for tests and
// benchmarks. Prints `mock_dashscope listening on <host>:<port>` once it accepts connections and
// exits 0 on SIGTERM or SIGINT.
#include "tools/mock_dashscope/mock_cli.hpp"
#include "tools/mock_dashscope/mock_server.hpp"

#include <cstdio>

int main(int argc, char** argv) {
  const auto cli = qgate::mock::parse_cli(argc, argv);
  if (!cli.value) {
    std::fputs(cli.message.c_str(), cli.help ? stdout : stderr);
    return cli.help ? 0 : 2;
  }
  return qgate::mock::run_mock(*cli.value);
}
