// CORS alone: which origins are granted, and which headers a preflight allows.
#include "http/cors_policy.hpp"

#include <gtest/gtest.h>

namespace {

using qgate::http::allowed_headers_for;
using qgate::http::cors_allowed_headers;
using qgate::http::cors_policy;

TEST(cors_policy, origins) {
  EXPECT_EQ(cors_policy("*").allow("https://a.example").value(), "*");
  const cors_policy listed("https://a.example, https://b.example/");
  EXPECT_EQ(listed.allow("https://b.example").value(), "https://b.example");
  EXPECT_FALSE(listed.allow("https://c.example").has_value());
  EXPECT_FALSE(cors_policy("").allow("https://a.example").has_value());
  EXPECT_FALSE(cors_policy("*").allow("").has_value());
}

TEST(cors_policy, a_preflight_allows_the_plain_headers_a_client_asks_for) {
  EXPECT_EQ(allowed_headers_for(""), cors_allowed_headers);
  EXPECT_EQ(allowed_headers_for("content-type, AUTHORIZATION"), cors_allowed_headers)
      << "already listed, whatever their case";
  // What the openai SDK sends from a browser.
  EXPECT_EQ(
      allowed_headers_for("authorization,content-type,x-stainless-os,x-stainless-retry-count"),
      std::string(cors_allowed_headers) + ", x-stainless-os, x-stainless-retry-count");
  // Nothing but header names: no injection of other characters, no endless list.
  EXPECT_EQ(allowed_headers_for("x-ok, bad header, x\r\ny, x:y, " + std::string(65, 'a')),
            std::string(cors_allowed_headers) + ", x-ok");
  std::string many;
  for (int i = 0; i < 100; ++i) many += "x-h" + std::to_string(i) + ",";
  const auto allowed = allowed_headers_for(many);
  EXPECT_NE(allowed.find("x-h31"), std::string::npos);
  EXPECT_EQ(allowed.find("x-h32"), std::string::npos);
}

}  // namespace
