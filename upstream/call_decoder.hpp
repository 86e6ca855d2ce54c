// The one interface every provider's response decoder implements, and the values it yields.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "upstream/transfer.hpp"

#include <string_view>
#include <variant>
#include <vector>

namespace qgate::upstream {

// A stream yields deltas (the last has `finish`) or an error; a unary call one completion or error.
using decoded = std::variant<chat_delta, chat_completion, error>;

// One call's decoder, whatever the provider speaks: pure, incremental and split-safe. Whatever
// bytes arrive, on_end leaves it finished() with exactly one final value emitted (a delta with
// `finish`, a completion or an error).
class call_decoder {
 public:
  call_decoder() = default;
  call_decoder(const call_decoder&) = delete;
  call_decoder& operator=(const call_decoder&) = delete;
  virtual ~call_decoder() = default;

  virtual void on_status(long http_status) noexcept = 0;
  virtual void on_bytes(std::string_view bytes, std::vector<decoded>& out) = 0;
  // The transfer ended (normally or not): emits the final value if none was emitted yet.
  virtual void on_end(const transfer_outcome& outcome, std::vector<decoded>& out) = 0;
  virtual bool finished() const noexcept = 0;
};

}  // namespace qgate::upstream
