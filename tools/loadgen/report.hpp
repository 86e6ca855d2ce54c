// Renders a run for people (a table) and for scripts (one JSON object); pure formatting.
#pragma once

#include <string>

#include "tools/loadgen/run_options.hpp"
#include "tools/loadgen/run_result.hpp"

namespace qgate::loadgen {

[[nodiscard]] std::string format_human(const run_options& o, const run_result& r);
[[nodiscard]] std::string format_json(const run_options& o, const run_result& r);
// One progress line (no newline): elapsed time, completions, current rate, in flight, errors.
[[nodiscard]] std::string format_progress(double elapsed_s, std::uint64_t completed, double rate,
                                          std::uint64_t in_flight, std::uint64_t errors);

}  // namespace qgate::loadgen
