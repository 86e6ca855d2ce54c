// Rendering of the error envelope (the mapping itself is messages/error_mapping.hpp).
#pragma once

#include "messages/error_mapping.hpp"

#include <string>

namespace qgate::http {

using qgate::error_reply;
using qgate::map_error;

// `{"code":..,"message":..,"data":null,"error":..}`
std::string error_body(const error& err);

}  // namespace qgate::http
