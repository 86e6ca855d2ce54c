// zlib's inflate of one whole gzip stream, for tests that check what qgate compressed.
#pragma once

#include <zlib.h>

#include <optional>
#include <string>
#include <string_view>

namespace qgate::testing {

// nullopt unless `gzipped` is exactly one whole, valid gzip stream.
inline std::optional<std::string> gunzip(std::string_view gzipped) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;
  std::string out;
  char chunk[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
  z.avail_in = static_cast<uInt>(gzipped.size());
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    status = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  }
  const bool whole = status == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) return std::nullopt;
  return out;
}

}  // namespace qgate::testing
