#include "http/message_framing.hpp"

#include <cctype>

namespace qgate::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool transfer_encoding_acceptable(std::span<const std::string_view> values,
                                  bool has_content_length) {
  if (values.empty()) return true;
  if (has_content_length) return false;
  std::size_t codings = 0;
  for (auto value : values) {
    // Empty list elements are allowed and ignored (RFC 9110 §5.6.1); each coding must be chunked.
    while (!value.empty()) {
      const auto comma = value.find(',');
      const auto element = trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
      if (element.empty()) continue;
      if (!iequals(element, "chunked")) return false;
      ++codings;
    }
  }
  return codings == 1;
}

head_state scan_head(std::string_view bytes, std::size_t& scanned) {
  for (auto at = bytes.find('\n', scanned); at != std::string_view::npos;
       at = bytes.find('\n', at + 1)) {
    if (at == 0 || bytes[at - 1] != '\r') return head_state::complete;  // the parser refuses it
    scanned = at;  // what follows this line end decides; look again when it has arrived
    if (at + 1 >= bytes.size()) return head_state::incomplete;
    const char next = bytes[at + 1];
    if (next == ' ' || next == '\t') return head_state::folded;
    if (next == '\r') {
      if (at + 2 >= bytes.size()) return head_state::incomplete;
      if (bytes[at + 2] == '\n') return head_state::complete;
    }
  }
  scanned = bytes.size();
  return head_state::incomplete;
}

std::string_view origin_form(std::string_view target) {
  const auto scheme_end = target.find("://");
  if (target.empty() || target.front() == '/' || scheme_end == std::string_view::npos)
    return target;
  const auto scheme = target.substr(0, scheme_end);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return target;
  const auto rest = target.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?");
  return authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
}

}  // namespace qgate::http
