#include "http/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstddef>

namespace qgate::http {
namespace {

// Input and output are handed to zlib in slices: its counters are 32-bit, and a stop request is
// noticed between slices.
constexpr std::size_t gzip_slice = 256 << 10;
// windowBits 15 (32 KB, the largest) plus 16: a gzip header and trailer instead of zlib's.
constexpr int gzip_window_bits = 15 + 16;
constexpr int gzip_memory_level = 9;

// Owns one deflate state: deflateEnd on every path out.
class deflate_stream {
 public:
  explicit deflate_stream(int level) {
    ok_ = deflateInit2(&stream_, level, Z_DEFLATED, gzip_window_bits, gzip_memory_level,
                       Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~deflate_stream() {
    if (ok_) deflateEnd(&stream_);
  }
  deflate_stream(const deflate_stream&) = delete;
  deflate_stream& operator=(const deflate_stream&) = delete;

  bool ok() const { return ok_; }
  z_stream& get() { return stream_; }

 private:
  z_stream stream_{};
  bool ok_ = false;
};

}  // namespace

result<std::string> gzip_compress(std::string_view input, int level, const std::stop_token& stop) {
  deflate_stream deflater(level);
  if (!deflater.ok()) return make_error(errc::internal_error, "zlib: cannot start deflate");
  auto& z = deflater.get();
  std::string out(deflateBound(&z, static_cast<uLong>(input.size())), '\0');
  std::size_t in_done = 0;
  std::size_t out_done = 0;
  for (;;) {
    if (stop.stop_requested()) return make_error(errc::unavailable, "gzip stopped");
    if (out_done == out.size())
      out.resize(out.size() + gzip_slice);  // past deflateBound: defensive
    const std::size_t in_slice = std::min(gzip_slice, input.size() - in_done);
    const std::size_t out_slice = std::min(gzip_slice, out.size() - out_done);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data() + in_done));
    z.avail_in = static_cast<uInt>(in_slice);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out_done);
    z.avail_out = static_cast<uInt>(out_slice);
    const bool last = in_done + in_slice == input.size();
    const int status = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    in_done += in_slice - z.avail_in;
    out_done += out_slice - z.avail_out;
    if (status == Z_STREAM_END) break;
    if (status != Z_OK && status != Z_BUF_ERROR) {
      return make_error(errc::internal_error, "zlib: deflate failed");
    }
  }
  out.resize(out_done);
  out.shrink_to_fit();
  return out;
}

}  // namespace qgate::http
