// Text from outside qgate (an upstream error, a client's header) made fit to show and to log:
// bounded, one printable line, and with no credential left in it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace qgate {

// Ends text that sanitize_text() cut short; it counts towards the bound.
inline constexpr std::string_view truncation_mark = "\xE2\x80\xA6";  // U+2026 …
// What redact_secrets() writes in place of a credential.
inline constexpr std::string_view redacted = "***";

// One printable line of at most `max_bytes` bytes. Control characters (C0, DEL, C1), U+2028 and
// U+2029 and the bidirectional embeddings, overrides and isolates become a space; runs of spaces
// collapse to one and the ends are trimmed. Invalid UTF-8 becomes U+FFFD. Longer text is cut on a
// code point boundary and ends in `truncation_mark`.
[[nodiscard]] std::string sanitize_text(std::string_view text, std::size_t max_bytes);

// Replaces with `redacted`: every occurrence of each non-empty secret; the start of a secret that
// sanitize_text() cut off just before a truncation mark; and, whatever the secrets, anything shaped
// like a credential: `Bearer <token>` (any case) and DashScope `sk-…` or qgate `qg-…` keys.
[[nodiscard]] std::string redact_secrets(std::string_view text,
                                         std::initializer_list<std::string_view> secrets);

}  // namespace qgate
