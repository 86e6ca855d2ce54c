#include "upstream/sse_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using qgate::upstream::sse_decoder;
using qgate::upstream::sse_event;

// Captured DashScope framing (protocol notes §4.1 and §4.3), with CRLF and LF variants.
const std::string golden =
    "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"a\":1}\n\n"
    "id:2\r\nevent:result\r\n:HTTP_STATUS/200\r\ndata:{\"a\":\"\xe4\xbd\xa0\xe5\xa5\xbd\"}\r\n\r\n"
    ": keep-alive comment\n\n"
    "id:3\nevent:error\n:HTTP_STATUS/400\ndata: {\"code\":\"InvalidParameter\"}\n\n";

std::vector<sse_event> decode_split(const std::string& text, std::vector<std::size_t> cuts) {
  sse_decoder decoder;
  std::vector<sse_event> events;
  std::size_t start = 0;
  cuts.push_back(text.size());
  for (const auto cut : cuts) {
    EXPECT_TRUE(decoder.feed(std::string_view(text).substr(start, cut - start), events));
    start = cut;
  }
  decoder.finish(events);
  return events;
}

void expect_golden(const std::vector<sse_event>& events) {
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, "1");
  EXPECT_EQ(events[0].event, "result");
  EXPECT_EQ(events[0].http_status, 200);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[1].data, "{\"a\":\"\xe4\xbd\xa0\xe5\xa5\xbd\"}");
  EXPECT_EQ(events[2].event, "error");
  EXPECT_EQ(events[2].http_status, 400);
  EXPECT_EQ(events[2].data, "{\"code\":\"InvalidParameter\"}");
}

TEST(sse_decoder, golden_in_one_piece) { expect_golden(decode_split(golden, {})); }

TEST(sse_decoder, golden_split_at_every_offset) {
  for (std::size_t cut = 0; cut <= golden.size(); ++cut) {
    SCOPED_TRACE(cut);
    expect_golden(decode_split(golden, {cut}));
  }
}

TEST(sse_decoder, golden_split_at_every_pair_of_offsets) {
  for (std::size_t first = 0; first <= golden.size(); first += 3) {
    for (std::size_t second = first; second <= golden.size(); second += 5) {
      expect_golden(decode_split(golden, {first, second}));
    }
  }
}

TEST(sse_decoder, byte_by_byte) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < golden.size(); ++i) cuts.push_back(i);
  expect_golden(decode_split(golden, cuts));
}

TEST(sse_decoder, events_without_blank_lines_are_split_by_id) {
  const auto events = decode_split("id:1\ndata:a\nid:2\ndata:b\n", {});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_EQ(events[1].data, "b");
}

TEST(sse_decoder, multi_line_data_is_joined) {
  const auto events = decode_split("data:a\ndata:b\n\n", {});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a\nb");
}

TEST(sse_decoder, unterminated_last_event_is_delivered_at_finish) {
  const auto events = decode_split("id:1\ndata:tail", {});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "tail");
}

TEST(sse_decoder, oversized_event_is_refused) {
  sse_decoder decoder(16);
  std::vector<sse_event> events;
  EXPECT_FALSE(decoder.feed("data:" + std::string(64, 'x'), events));
  EXPECT_TRUE(decoder.overflowed());
  EXPECT_FALSE(decoder.feed("\n\n", events));
  EXPECT_TRUE(events.empty());
}

}  // namespace
