// The parts of RFC 9112 message framing that Beast leaves to us, as pure functions on raw text:
// which Transfer-Encoding we read, obsolete line folding (Beast joins folded lines; an edge
// rejects them), and the origin-form of an absolute-form target.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace qgate::http {

// Whether a request with these Transfer-Encoding field values (all its TE fields, in order) and
// with or without Content-Length has a body we can delimit: no TE at all, or exactly `chunked`
// and no Content-Length. Anything else must be refused and the connection closed (RFC 9112 §6.1,
// §6.3): a body we cannot delimit would let its bytes pass for the next request.
[[nodiscard]] bool transfer_encoding_acceptable(std::span<const std::string_view> values,
                                                bool has_content_length);

enum class head_state { incomplete, complete, folded };

// Looks at the raw bytes of a request head as they arrive: `complete` once the empty line ends it
// (or a bare LF leaves the verdict to the parser), `folded` at a line that starts with SP or HTAB
// (obs-fold, RFC 9112 §5.2). `scanned` carries the progress between calls (start at 0) so that a
// head sent byte by byte is still looked at once.
[[nodiscard]] head_state scan_head(std::string_view bytes, std::size_t& scanned);

// The path (and query) of a request target: an absolute-form target ("http://host:1/p?q") gives
// what follows its authority ("/p?q", possibly empty), any other target is returned as it is.
[[nodiscard]] std::string_view origin_form(std::string_view target);

}  // namespace qgate::http
