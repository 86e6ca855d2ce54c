// Accept-Encoding as RFC 9110 §12.5.3 reads it: weights, `*`, case, and hostile headers.
#include "http/accept_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using qgate::http::accepts_gzip;

TEST(accept_encoding, gzip_listed_with_a_weight_above_zero) {
  for (const char* header :
       {"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8", "deflate,gzip", "GZIP", "GZip;Q=0.5",
        "gzip;q=0.001", "gzip;q=1", "gzip;q=1.", "gzip;q=1.000", "gzip ; q = 0.5", "\tgzip\t",
        "x-gzip", "gzip;level=9", "gzip;foo=\"a;q=0\""}) {
    EXPECT_TRUE(accepts_gzip(header)) << header;
  }
}

TEST(accept_encoding, gzip_refused_or_absent) {
  for (const char* header : {"", "identity", "br", "deflate, br", "gzip;q=0", "gzip;q=0.0",
                             "gzip;q=0.000", "GZIP;Q=0", "gzip;q=0, *", "*, gzip;q=0", "gzipx",
                             "xgzip", "gzi", "g zip", "\"gzip\"", "*;q=0", "identity;q=1, *;q=0"}) {
    EXPECT_FALSE(accepts_gzip(header)) << header;
  }
}

TEST(accept_encoding, star_counts_only_when_gzip_is_not_named) {
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_TRUE(accepts_gzip("br, *;q=0.1"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0, *;q=1"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.5, *;q=0"));
}

TEST(accept_encoding, the_highest_weight_of_a_repeated_gzip_wins) {
  EXPECT_TRUE(accepts_gzip("gzip;q=0, gzip;q=0.5"));
  EXPECT_TRUE(accepts_gzip("gzip;q=0.5, gzip;q=0"));
}

TEST(accept_encoding, a_malformed_weight_grants_nothing) {
  for (const char* header :
       {"gzip;q=", "gzip;q", "gzip;q=abc", "gzip;q=1.5", "gzip;q=1.001", "gzip;q=2", "gzip;q=-1",
        "gzip;q=0.1234", "gzip;q=.5", "gzip;q= ", "gzip;q=0.5;q=1", "gzip;q=0x1", "gzip;q=1e0",
        "gzip;q=+1", "*;q=bad"}) {
    EXPECT_FALSE(accepts_gzip(header)) << header;
  }
  // The malformed element says nothing about gzip; `*` still may not stand in for it.
  EXPECT_FALSE(accepts_gzip("gzip;q=bad, *"));
}

TEST(accept_encoding, quoted_separators_separate_nothing) {
  EXPECT_FALSE(accepts_gzip("br;x=\"a, gzip, b\""));
  EXPECT_FALSE(accepts_gzip("br;x=\"a\\\", gzip\""));  // an escaped quote does not end the string
  EXPECT_FALSE(accepts_gzip("gzip;x=\"\";q=0"));
  EXPECT_TRUE(accepts_gzip("br;x=\"a, b\", gzip"));
  EXPECT_FALSE(accepts_gzip("br;x=\"unterminated, gzip"));  // all one element: br
}

TEST(accept_encoding, empty_elements_and_odd_bytes_are_handled) {
  EXPECT_TRUE(accepts_gzip(",,, gzip ,,"));
  EXPECT_FALSE(accepts_gzip(",,,;;;===\"\"\\"));
  EXPECT_FALSE(accepts_gzip(std::string("gz\0ip", 5)));
  EXPECT_TRUE(accepts_gzip(std::string("br\0, gzip", 9)));
  EXPECT_FALSE(accepts_gzip(std::string(1 << 20, ',')));
  EXPECT_FALSE(accepts_gzip(std::string(1 << 20, '"')));
  EXPECT_TRUE(accepts_gzip(std::string(1 << 20, ' ') + "gzip"));
  std::string many;
  for (int i = 0; i < 10000; ++i) many += "br;q=0.5;a=b, ";
  EXPECT_TRUE(accepts_gzip(many + "gzip;q=0.1"));
  EXPECT_FALSE(accepts_gzip(many + "gzip;q=0"));
}

}  // namespace
