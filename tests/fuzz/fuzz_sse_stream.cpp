// Upstream bytes under any status, split at a fuzzer-chosen offset, always end in exactly one final
// value, through either provider's decoder (DashScope native, OpenAI-compatible); whatever the
// upstream sent, an error's text is bounded and on one printable line, and a Retry-After made of
// the same bytes gives a bounded wait.
#include "upstream/provider.hpp"
#include "upstream/response_decoder.hpp"
#include "upstream/retry_after.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace {

// Bounded (code, message, the status and a few words around them) and on one line.
bool fit_to_show(std::string_view text, std::size_t bound) {
  if (text.size() > bound) return false;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return true;
}

constexpr std::size_t max_detail_bytes =
    qgate::upstream::max_error_code_bytes + qgate::upstream::max_error_message_bytes + 128;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  static constexpr std::array<long, 8> statuses = {200, 200, 200, 400, 401, 429, 500, 503};
  const long status = statuses[data[0] % statuses.size()];
  const std::size_t cut = data[1] % (size - 1);
  const std::string_view bytes(reinterpret_cast<const char*>(data + 2), size - 2);
  using qgate::upstream::provider_kind;
  for (const auto kind : {provider_kind::dashscope, provider_kind::openai}) {
    for (const bool stream : {true, false}) {
      const auto decoder = qgate::upstream::make_decoder(kind, stream);
      std::vector<qgate::upstream::decoded> out;
      decoder->on_status(status);
      decoder->on_bytes(bytes.substr(0, std::min(cut, bytes.size())), out);
      decoder->on_bytes(bytes.substr(std::min(cut, bytes.size())), out);
      decoder->on_end({}, out);
      if (!decoder->finished() || out.empty()) __builtin_trap();
      for (const auto& value : out) {
        const auto* err = std::get_if<qgate::error>(&value);
        if (err != nullptr && !fit_to_show(err->detail, max_detail_bytes)) __builtin_trap();
      }
    }
  }
  // The same bytes as the upstream's Retry-After header: a wait within the bound, or none.
  const auto wait = qgate::upstream::parse_retry_after(bytes, std::chrono::system_clock::now());
  if (wait && *wait < 0) __builtin_trap();
  const auto told = qgate::upstream::client_retry_after(wait);
  if (told < 1 || told > qgate::upstream::max_retry_after_s) __builtin_trap();
  const auto body = qgate::upstream::parse_error_body(bytes);
  if (!fit_to_show(body.code, qgate::upstream::max_error_code_bytes) ||
      !fit_to_show(body.message, qgate::upstream::max_error_message_bytes)) {
    __builtin_trap();
  }
  return 0;
}
