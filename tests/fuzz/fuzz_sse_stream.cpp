// Upstream bytes, split at a fuzzer-chosen offset, always end in exactly one final value.
#include "upstream/response_decoder.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t cut = data[0] % size;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  for (const bool stream : {true, false}) {
    qgate::upstream::response_decoder decoder(stream);
    std::vector<qgate::upstream::decoded> out;
    decoder.on_status(200);
    decoder.on_bytes(bytes.substr(0, std::min(cut, bytes.size())), out);
    decoder.on_bytes(bytes.substr(std::min(cut, bytes.size())), out);
    decoder.on_end({}, out);
    if (!decoder.finished() || out.empty()) __builtin_trap();
  }
  return 0;
}
