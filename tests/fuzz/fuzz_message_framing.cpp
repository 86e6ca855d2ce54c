// Any head a client sends gets the same verdict however it is split, and the helpers never read
// outside their input.
#include "http/message_framing.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t scanned = 0;
  const auto whole = qgate::http::scan_head(bytes, scanned);
  if (scanned > bytes.size()) __builtin_trap();
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  std::size_t resumed = 0;
  auto state = qgate::http::scan_head(bytes.substr(0, split), resumed);
  if (state == qgate::http::head_state::incomplete) state = qgate::http::scan_head(bytes, resumed);
  if (state != whole) __builtin_trap();
  const std::string_view values[] = {bytes};
  (void)qgate::http::transfer_encoding_acceptable(values, false);
  const auto origin = qgate::http::origin_form(bytes);
  if (origin.size() > bytes.size()) __builtin_trap();
  return 0;
}
