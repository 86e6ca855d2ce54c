// The mock's command-line settings and the limits it enforces on what it is asked to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace qgate::mock {

// Bounds on per-request overrides, so a stray marker cannot make the mock allocate or wait
// without end.
inline constexpr int max_chunks = 100000;
inline constexpr int max_delay_ms = 600000;
inline constexpr std::size_t max_body_bytes = 16u << 20;
inline constexpr std::int64_t max_tokens_limit = 8192;
// A key's quota keeps one timestamp per answered request in the window.
inline constexpr std::int64_t max_key_quota = 1000000;
inline constexpr int max_quota_window_ms = 3600000;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port, printed at start-up
  int threads = 1;
  std::vector<std::string> api_keys = {"sk-qgate-mock"};  // every key accepted
  std::vector<std::string> revoked_keys;                  // known, but answered 401
  // Generation requests a key is answered per quota window; beyond that 429.
  std::vector<std::pair<std::string, std::int64_t>> key_quotas;
  int quota_window_ms = 60000;  // the rolling window of key_quotas
  int chunks = 8;               // content events before the final one
  int chunk_interval_ms = 0;
  int first_byte_ms = 0;
  std::size_t record = 1000;  // how many requests GET /mock/requests keeps
};

}  // namespace qgate::mock
