// Splits a client-side SSE body into its `data: ` payloads, checking the framing on the way.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qgate::testing {

inline std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> payloads;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find("\n\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "unterminated frame: " << body.substr(start);
      break;
    }
    const std::string frame = body.substr(start, end - start);
    start = end + 2;
    if (frame.starts_with(":")) continue;  // comment (ping)
    EXPECT_TRUE(frame.starts_with("data: ")) << frame;
    payloads.push_back(frame.substr(6));
  }
  return payloads;
}

}  // namespace qgate::testing
