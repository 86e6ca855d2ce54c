#include "http/message_framing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace qgate::http;

bool acceptable(std::vector<std::string_view> values, bool content_length = false) {
  return transfer_encoding_acceptable(values, content_length);
}

TEST(message_framing, only_a_single_chunked_coding_without_content_length) {
  EXPECT_TRUE(acceptable({}));
  EXPECT_TRUE(acceptable({}, true));
  EXPECT_TRUE(acceptable({"chunked"}));
  EXPECT_TRUE(acceptable({"Chunked"}));
  EXPECT_TRUE(acceptable({" chunked\t"}));
  EXPECT_TRUE(acceptable({", chunked,"}));
  EXPECT_FALSE(acceptable({"chunked"}, true));
  for (std::string_view bad : {"xchunked", "gzip", "identity", "chunked, identity", "gzip, chunked",
                               "chunked, chunked", "", " , ", "chunked;q=1", "chunkedx"}) {
    EXPECT_FALSE(acceptable({bad})) << bad;
  }
  EXPECT_FALSE(acceptable({"chunked", "gzip"}));
  EXPECT_FALSE(acceptable({"chunked", "chunked"}));
  EXPECT_FALSE(acceptable({"gzip", "chunked"}));
}

head_state scan_whole(std::string_view bytes) {
  std::size_t scanned = 0;
  return scan_head(bytes, scanned);
}

TEST(message_framing, scan_head_finds_the_end_and_folds) {
  EXPECT_EQ(scan_whole(""), head_state::incomplete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\nHost: x\r\n"), head_state::incomplete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\nHost: x\r\n\r"), head_state::incomplete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), head_state::complete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\n\r\nbody \r\n x"), head_state::complete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\nA: a\r\n b\r\n\r\n"), head_state::folded);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\nA: a\r\n\tb\r\n\r\n"), head_state::folded);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\n Host: x\r\n\r\n"), head_state::folded);
  // A bare LF or a stray CR is left to the parser, which refuses it.
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\nHost: x"), head_state::complete);
  EXPECT_EQ(scan_whole("GET / HTTP/1.1\r\n\rX: y\r\n"), head_state::incomplete);
}

// The verdict does not depend on how the bytes arrive: fed at every split (and byte by byte).
TEST(message_framing, scan_head_is_split_safe) {
  for (const std::string& head : {std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET"),
                                  std::string("GET / HTTP/1.1\r\nA: a\r\n b\r\n\r\n"),
                                  std::string("POST /a HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n{}"),
                                  std::string("GET / HTTP/1.1\r\nHost")}) {
    const auto whole = scan_whole(head);
    for (std::size_t split = 0; split <= head.size(); ++split) {
      std::size_t scanned = 0;
      auto state = scan_head(std::string_view(head).substr(0, split), scanned);
      if (state == head_state::incomplete) state = scan_head(head, scanned);
      EXPECT_EQ(state, whole) << "split at " << split << " of " << head;
    }
    std::size_t scanned = 0;
    auto state = head_state::incomplete;
    for (std::size_t size = 0; size <= head.size() && state == head_state::incomplete; ++size)
      state = scan_head(std::string_view(head).substr(0, size), scanned);
    EXPECT_EQ(state, whole) << "byte by byte: " << head;
  }
}

TEST(message_framing, origin_form_of_absolute_targets) {
  EXPECT_EQ(origin_form("/api/llm/chat"), "/api/llm/chat");
  EXPECT_EQ(origin_form("/r?u=http://x/y"), "/r?u=http://x/y");
  EXPECT_EQ(origin_form("*"), "*");
  EXPECT_EQ(origin_form("http://127.0.0.1:8000/api/llm/chat"), "/api/llm/chat");
  EXPECT_EQ(origin_form("HTTPS://h/api/llm/usage?from=2026-01-01"),
            "/api/llm/usage?from=2026-01-01");
  EXPECT_EQ(origin_form("http://h?x=1"), "?x=1");
  EXPECT_EQ(origin_form("http://h"), "");
  EXPECT_EQ(origin_form("http://user@h:1/p"), "/p");
  EXPECT_EQ(origin_form("ftp://h/p"), "ftp://h/p");
}

}  // namespace
