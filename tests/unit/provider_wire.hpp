// What each provider sends on the wire for the shared suite's scenarios: one struct per provider
// (dashscope_wire.hpp, openai_wire.hpp) with the same functions, so one typed test runs both.
// Here: what the scenarios share.
#pragma once

#include "upstream/http_call.hpp"
#include "upstream/transfer.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace qgate::provider_wire {

// One upstream answer: its status, its bytes, how the transfer ended, and for error scenarios the
// detail qgate keeps (the provider's own code and message, which differ between dialects).
struct transcript {
  transcript() = default;
  transcript(long code, std::string bytes, upstream::transfer_outcome ending = {},
             std::string kept = {})
      : status(code), body(std::move(bytes)), end(std::move(ending)), detail(std::move(kept)) {}

  long status = 200;
  std::string body;
  upstream::transfer_outcome end;
  std::string detail;
};

struct tokens {
  int input = 0;
  int output = 0;
  int cached = 0;
  int reasoning = 0;
};

enum class refusal { unauthorized, throttled, internal };

inline const std::string internal_message =
    "An internal error has occured, please try again later or contact service support.";

}  // namespace qgate::provider_wire
