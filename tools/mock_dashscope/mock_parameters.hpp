// Reads the `parameters` object of a generation request: sampling ranges, tools and thinking.
#pragma once

#include "tools/mock_dashscope/mock_request.hpp"

#include <simdjson.h>

#include <optional>

namespace qgate::mock {

// Unknown keys are ignored, as DashScope does (the Python SDK itself sends `stream` there).
std::optional<upstream_error> read_parameters(simdjson::dom::element root, generation& g);
// The same keys read from any object: the OpenAI-compatible body has them at its top level.
std::optional<upstream_error> read_parameter_object(simdjson::dom::object parameters,
                                                    generation& g);

// DashScope's catch-all message for a parameter of the wrong type or shape.
upstream_error invalid_request();

}  // namespace qgate::mock
