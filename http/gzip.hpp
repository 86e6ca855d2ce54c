// gzip (RFC 1952) of a whole buffer with the system's zlib, for the docs assets' variants.
#pragma once

#include "messages/error.hpp"

#include <stop_token>
#include <string>
#include <string_view>

namespace qgate::http {

// Highest ratio: the docs assets are compressed once per process, off the start path.
constexpr int gzip_best = 9;

// `input` gzipped at `level` (1-9). Stops with errc::unavailable between slices once `stop` is
// requested, so a process that shuts down while compressing does not wait for it.
[[nodiscard]] result<std::string> gzip_compress(std::string_view input, int level = gzip_best,
                                                const std::stop_token& stop = {});

}  // namespace qgate::http
