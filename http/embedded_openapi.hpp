// The OpenAPI document (http/docs/openapi.json) as it was at build time, compiled into the binary
// (cmake/embed_file.cmake): /openapi.json is served even with no file beside the binary.
#pragma once

#include <string_view>

namespace qgate::http {

std::string_view embedded_openapi();

}  // namespace qgate::http
