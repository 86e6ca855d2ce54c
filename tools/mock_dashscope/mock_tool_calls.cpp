// Tool call planning. Arguments go through append_json_string, so any prompt gives valid JSON.
#include "tools/mock_dashscope/mock_tool_calls.hpp"

#include "messages/json_escape.hpp"
#include "tools/mock_dashscope/mock_answer.hpp"

#include <algorithm>
#include <cstdint>

namespace qgate::mock {
namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// splitmix64: a bijection on 64-bit values, so distinct inputs give distinct outputs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void append_hex(std::string& out, std::uint64_t value, int digits) {
  constexpr std::string_view hex_digits = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += hex_digits[(value >> shift) & 0xF];
}

}  // namespace

bool answers_with_tools(const generation& g) {
  return g.message_format && !g.tools.empty() && g.choice != tool_choice::none &&
         g.last_role == "user";
}

std::vector<tool_call> plan_tool_calls(const generation& g, std::string_view request_id) {
  std::vector<std::string_view> names;
  if (g.choice == tool_choice::named) {
    names.push_back(g.chosen_tool);
  } else if (g.parallel_tool_calls) {
    names.assign(g.tools.begin(), g.tools.end());
  } else if (!g.tools.empty()) {
    names.push_back(g.tools.front());
  }
  std::string arguments = R"({"query":)";
  append_json_string(arguments, g.last_user_content);
  arguments += '}';
  std::vector<tool_call> calls;
  calls.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    calls.push_back({tool_call_id(request_id, i), std::string(names[i]), arguments});
  }
  return calls;
}

std::string tool_call_id(std::string_view request_id, std::size_t index) {
  const std::uint64_t seed = fnv1a(request_id);
  // The first 16 digits are a bijection of the index (for one seed): distinct within an answer.
  std::string id = "call_";
  append_hex(id, mix(seed + index), 16);
  append_hex(id, mix(~seed + index) >> 32, 8);
  return id;
}

std::vector<tool_fragment> fragment_calls(const std::vector<tool_call>& calls, int chunks) {
  std::vector<tool_fragment> fragments;
  for (std::size_t call = 0; call < calls.size(); ++call) {
    auto pieces = split_code_points(calls[call].arguments, std::max(chunks, min_tool_fragments));
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      fragments.push_back({call, i == 0, std::move(pieces[i])});
    }
  }
  return fragments;
}

}  // namespace qgate::mock
