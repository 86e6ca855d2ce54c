#include "http/accept_encoding.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>

namespace qgate::http {
namespace {

// Weights are counted in thousandths, the precision a qvalue has.
constexpr int full_weight = 1000;
constexpr int not_listed = -1;

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> parse_qvalue(std::string_view text) {
  constexpr std::size_t longest = 5;  // "0.123"
  if (text.empty() || text.size() > longest || (text[0] != '0' && text[0] != '1')) return {};
  int value = (text[0] - '0') * full_weight;
  if (text.size() == 1) return value;
  if (text[1] != '.') return {};
  int scale = full_weight / 10;
  for (const char c : text.substr(2)) {
    if (c < '0' || c > '9') return {};
    value += (c - '0') * scale;
    scale /= 10;
  }
  if (value > full_weight) return {};
  return value;
}

// Calls `visit` with each piece of `text` between `separator`s found outside quoted strings.
template <class Visit>
void split(std::string_view text, char separator, Visit visit) {
  bool quoted = false;
  bool escaped = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (escaped) {
      escaped = false;
    } else if (quoted) {
      if (c == '\\') escaped = true;
      if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == separator) {
      visit(text.substr(start, i - start));
      start = i + 1;
    }
  }
  visit(text.substr(start));
}

struct element {
  std::string_view coding;
  int weight = full_weight;
};

element parse_element(std::string_view text) {
  element parsed;
  bool first = true;
  bool weighted = false;
  bool malformed = false;
  split(text, ';', [&](std::string_view part) {
    part = trim(part);
    if (first) {
      first = false;
      parsed.coding = part;
      return;
    }
    const auto equals = part.find('=');
    const auto name = trim(part.substr(0, equals));
    if (!iequals(name, "q")) return;  // other parameters do not change the weight
    const auto weight = equals == std::string_view::npos
                            ? std::nullopt
                            : parse_qvalue(trim(part.substr(equals + 1)));
    // "q=abc", "q=1.5" or a second weight: the sender's intent is unknown, so nothing is granted.
    if (!weight || weighted) malformed = true;
    weighted = true;
    if (weight) parsed.weight = *weight;
  });
  if (malformed) parsed.weight = 0;
  return parsed;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) noexcept {
  int gzip = not_listed;
  int any = not_listed;
  split(accept_encoding, ',', [&](std::string_view text) {
    const auto parsed = parse_element(text);
    if (iequals(parsed.coding, "gzip") || iequals(parsed.coding, "x-gzip")) {
      gzip = std::max(gzip, parsed.weight);
    } else if (parsed.coding == "*") {
      any = std::max(any, parsed.weight);
    }
  });
  return gzip != not_listed ? gzip > 0 : any > 0;
}

}  // namespace qgate::http
