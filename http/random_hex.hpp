// Random lower-case hex for the ids qgate makes up (request ids, trace and span ids): a
// per-thread generator seeded once from the system's entropy, so a new id costs a few
// nanoseconds and no lock. Unpredictability is not needed: these ids only have to not repeat.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace qgate::http {

// Fills `out` with hex digits, never all zeros (W3C trace context forbids an all-zero id).
void fill_random_hex(std::span<char> out);

// `digits` hex digits, never all zeros.
[[nodiscard]] std::string random_hex(std::size_t digits);

}  // namespace qgate::http
