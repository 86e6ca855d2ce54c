#include "messages/untrusted_text.hpp"

#include "messages/utf8.hpp"

#include <algorithm>

namespace qgate {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";
// A secret's cut-off start shorter than this is not told apart from ordinary text.
constexpr std::size_t min_secret_fragment = 4;
// Shortest run after `sk-` / `qg-` taken for a key (qgate keys have 43, DashScope keys 32).
constexpr std::size_t min_key_body = 8;

// Code points that could break a line or reorder what a terminal or a log viewer shows.
bool is_separator(std::string_view text, std::size_t i, std::size_t length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (length == 1) return byte(0) <= 0x20 || byte(0) == 0x7F;
  if (length == 2) return byte(0) == 0xC2 && byte(1) <= 0x9F;  // C1: U+0080..U+009F
  if (length != 3 || byte(0) != 0xE2) return false;
  if (byte(1) == 0x80) return byte(2) >= 0xA8 && byte(2) <= 0xAE;  // U+2028..U+202E
  return byte(1) == 0x81 && byte(2) >= 0xA6 && byte(2) <= 0xA9;    // U+2066..U+2069
}

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 6750 b64token characters, a superset of both key alphabets.
bool is_token_byte(char c) {
  return is_word_byte(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
         c == '=';
}

bool starts_with_ignoring_case(std::string_view text, std::size_t at, std::string_view lower) {
  if (text.size() - at < lower.size()) return false;
  for (std::size_t k = 0; k < lower.size(); ++k) {
    char c = text[at + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[k]) return false;
  }
  return true;
}

void replace_all(std::string& text, std::string_view secret) {
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + redacted.size())) {
    text.replace(at, secret.size(), redacted);
  }
}

// The longest start of `secret` that ends right at `end`, if it is long enough to mean something.
std::size_t fragment_before(std::string_view text, std::size_t end, std::string_view secret) {
  for (std::size_t k = std::min(end, secret.size() - 1); k >= min_secret_fragment; --k) {
    if (text.substr(end - k, k) == secret.substr(0, k)) return k;
  }
  return 0;
}

void redact_fragments(std::string& text, std::string_view secret) {
  if (secret.size() <= min_secret_fragment) return;
  for (auto mark = text.find(truncation_mark); mark != std::string::npos;
       mark = text.find(truncation_mark, mark + truncation_mark.size())) {
    if (const auto k = fragment_before(text, mark, secret); k != 0) {
      text.replace(mark - k, k, redacted);
      mark = mark - k + redacted.size();
    }
  }
}

// The end of a credential-shaped run starting at `at`, or `at` when there is none.
std::size_t credential_end(std::string_view text, std::size_t at) {
  if (at > 0 && is_word_byte(text[at - 1])) return at;
  const auto token_end = [&](std::size_t from) {
    while (from < text.size() && is_token_byte(text[from])) ++from;
    return from;
  };
  if (starts_with_ignoring_case(text, at, "bearer")) {
    std::size_t end = at + 6;
    if (end < text.size() && is_word_byte(text[end])) return at;  // "bearers", "bearerfoo"
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    return token_end(end);
  }
  if (text.substr(at, 3) == "sk-" || text.substr(at, 3) == "qg-") {
    const std::size_t end = token_end(at + 3);
    if (end - (at + 3) >= min_key_body) return end;
  }
  return at;
}

}  // namespace

std::string sanitize_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + truncation_mark.size());
  bool pending_space = false;
  bool last_invalid = false;
  // Stop cleaning a little past the bound: the rest would be cut anyway.
  for (std::size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      ++i;
      if (last_invalid) continue;
      last_invalid = true;
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += replacement_character;
      continue;
    }
    last_invalid = false;
    if (is_separator(text, i, length)) {
      pending_space = true;
    } else {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out.append(text.substr(i, length));
    }
    i += length;
  }
  if (out.size() <= max_bytes) return out;
  if (max_bytes < truncation_mark.size()) {
    out.clear();
    return out;
  }
  std::size_t cut = max_bytes - truncation_mark.size();
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  while (cut > 0 && out[cut - 1] == ' ') --cut;
  out.resize(cut);
  out += truncation_mark;
  return out;
}

std::string redact_secrets(std::string_view text, std::initializer_list<std::string_view> secrets) {
  std::string out(text);
  for (const auto secret : secrets) {
    if (secret.empty()) continue;
    replace_all(out, secret);
    redact_fragments(out, secret);
  }
  for (std::size_t at = 0; at < out.size();) {
    const std::size_t end = credential_end(out, at);
    if (end == at) {
      ++at;
      continue;
    }
    out.replace(at, end - at, redacted);
    at += redacted.size();
  }
  return out;
}

}  // namespace qgate
