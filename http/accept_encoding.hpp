// Reads a request's Accept-Encoding (RFC 9110 §12.5.3) for the one coding qgate offers: gzip.
#pragma once

#include <string_view>

namespace qgate::http {

// True when `accept_encoding` (every Accept-Encoding line of the request, joined by commas) gives
// gzip (or its alias x-gzip) a weight above zero, or lists `*` above zero and gzip not at all.
// Codings and `q` match case-insensitively; an element whose weight is malformed grants nothing;
// commas and semicolons inside quoted strings separate nothing. Pure; any input is handled.
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding) noexcept;

}  // namespace qgate::http
