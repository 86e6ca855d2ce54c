// The per-dialect judgements behind wire_reader, on documents simdjson has already parsed.
// Internal to the loadgen library: only wire_reader.cpp and the judges include it.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "tools/loadgen/wire_reader.hpp"

namespace qgate::loadgen::judges {

// `object[key]` as a count, when it is a non-negative integer.
[[nodiscard]] std::optional<std::uint64_t> read_count(simdjson::dom::element object,
                                                      std::string_view key);
// A finish reason that is a string other than "null" (DashScope's spelling of "not yet").
[[nodiscard]] bool names_finish(simdjson::dom::element holder);

[[nodiscard]] frame_verdict gateway_frame(simdjson::dom::element root);
[[nodiscard]] frame_verdict dashscope_frame(simdjson::dom::element root);
[[nodiscard]] frame_verdict openai_frame(simdjson::dom::element root);

[[nodiscard]] body_verdict gateway_body(simdjson::dom::element root);
[[nodiscard]] body_verdict dashscope_body(simdjson::dom::element root);
[[nodiscard]] body_verdict openai_body(simdjson::dom::element root);

}  // namespace qgate::loadgen::judges
