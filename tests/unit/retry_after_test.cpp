// The upstream's Retry-After: what is understood, and the bound a client is told.
#include "upstream/retry_after.hpp"

#include <gtest/gtest.h>

namespace {

using namespace qgate::upstream;
using std::chrono::seconds;

// Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date.
const std::chrono::system_clock::time_point rfc_example{seconds(784111777)};

TEST(retry_after, delta_seconds) {
  EXPECT_EQ(parse_retry_after("7", rfc_example), 7);
  EXPECT_EQ(parse_retry_after(" 120\t", rfc_example), 120);
  EXPECT_EQ(parse_retry_after("0", rfc_example), 0);
  EXPECT_EQ(parse_retry_after("99999999999", rfc_example), 99999999999);
  EXPECT_GT(*parse_retry_after(std::string(40, '9'), rfc_example), max_retry_after_s);
}

TEST(retry_after, imf_fixdate_counts_from_now) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example), 0);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", rfc_example), 30);
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:49:37 GMT", rfc_example), 86400);
  EXPECT_EQ(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", rfc_example), 0);  // past
}

TEST(retry_after, garbage_is_nothing) {
  for (const char* value :
       {"", " ", "abc", "-5", "+7", "7.5", "7s", "0x10", "1 2", "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT"}) {
    EXPECT_FALSE(parse_retry_after(value, rfc_example).has_value()) << value;
  }
}

TEST(retry_after, clients_are_told_a_bounded_wait) {
  EXPECT_EQ(client_retry_after(std::nullopt), default_retry_after_s);
  EXPECT_EQ(client_retry_after(7), 7);
  EXPECT_EQ(client_retry_after(0), 1);
  EXPECT_EQ(client_retry_after(max_retry_after_s), max_retry_after_s);
  EXPECT_EQ(client_retry_after(99999999999), max_retry_after_s);
  EXPECT_EQ(default_retry_after_s, 1);
  EXPECT_EQ(max_retry_after_s, 3600);
}

}  // namespace
