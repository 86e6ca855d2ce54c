// The mock's command-line settings and the limits it enforces on what it is asked to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace qgate::mock {

// Bounds on per-request overrides, so a stray marker cannot make the mock allocate or wait
// without end.
inline constexpr int max_chunks = 100000;
inline constexpr int max_delay_ms = 600000;
inline constexpr std::size_t max_body_bytes = 16u << 20;
inline constexpr std::int64_t max_tokens_limit = 8192;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, printed at start-up
  int threads = 1;
  std::string api_key = "sk-qgate-mock";
  int chunks = 8;  // content events before the final one
  int chunk_interval_ms = 0;
  int first_byte_ms = 0;
  std::size_t record = 1000;  // how many requests GET /mock/requests keeps
};

}  // namespace qgate::mock
