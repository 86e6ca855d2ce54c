// The one seam between the session and an upstream's protocol: build a provider's call, and make
// the decoder that reads its answer. DashScope native and OpenAI-compatible sit behind it.
#pragma once

#include "messages/chat.hpp"
#include "upstream/call_decoder.hpp"
#include "upstream/http_call.hpp"

#include <memory>
#include <string_view>

namespace qgate::upstream {

// One call's decoder for an upstream of `kind`; `stream` is whether the call asked for a stream.
[[nodiscard]] std::unique_ptr<call_decoder> make_decoder(provider_kind kind, bool stream);

// The whole HTTP call for `request` to an upstream of `kind` at `base_url` with `api_key`; the
// call's `kind` says which decoder reads its answer.
[[nodiscard]] http_call build_call(provider_kind kind, const chat_request& request,
                                   std::string_view base_url, std::string_view api_key);

}  // namespace qgate::upstream
