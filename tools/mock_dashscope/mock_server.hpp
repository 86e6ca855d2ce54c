// The mock's network side: accepts connections and plays each request's script on them.
#pragma once

#include "tools/mock_dashscope/mock_options.hpp"

namespace qgate::mock {

// Listens, prints `mock_dashscope listening on <host>:<port>`, serves until SIGTERM or SIGINT.
// The process exit code: 0 after a signal, 1 when it cannot listen.
int run_mock(const options& o);

}  // namespace qgate::mock
