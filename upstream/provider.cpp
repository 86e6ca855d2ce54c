// Chooses the provider adapter: one switch per seam, no default, so a new provider_kind does not
// compile until both are given.
#include "upstream/provider.hpp"

#include "upstream/generation_request.hpp"
#include "upstream/openai_decoder.hpp"
#include "upstream/openai_request.hpp"
#include "upstream/response_decoder.hpp"

namespace qgate::upstream {

std::unique_ptr<call_decoder> make_decoder(provider_kind kind, bool stream) {
  switch (kind) {
    case provider_kind::dashscope:
      return std::make_unique<response_decoder>(stream);
    case provider_kind::openai:
      return std::make_unique<openai_decoder>(stream);
  }
  return std::make_unique<response_decoder>(stream);
}

http_call build_call(provider_kind kind, const chat_request& request, std::string_view base_url,
                     std::string_view api_key) {
  switch (kind) {
    case provider_kind::dashscope:
      return build_generation_call(request, base_url, api_key);
    case provider_kind::openai:
      return build_openai_call(request, base_url, api_key);
  }
  return build_generation_call(request, base_url, api_key);
}

}  // namespace qgate::upstream
