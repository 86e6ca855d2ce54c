// Upstream and client text is bounded, one printable line, valid UTF-8, and free of credentials.
#include "messages/untrusted_text.hpp"

#include "messages/utf8.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using namespace qgate;

const std::string mark(truncation_mark);

// Valid UTF-8 with no C0, DEL, C1, U+2028/U+2029 or bidi controls: safe on one log line.
void expect_one_clean_line(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    ASSERT_NE(length, 0u) << "invalid UTF-8 at " << i << " in " << text;
    const auto lead = static_cast<unsigned char>(text[i]);
    EXPECT_FALSE(length == 1 && (lead < 0x20 || lead == 0x7F)) << i;
    EXPECT_FALSE(length == 2 && lead == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0);
    const auto cp = text.substr(i, length);
    for (const char* banned : {"\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAE", "\xE2\x81\xA6"}) {
      EXPECT_NE(cp, banned) << i;
    }
    i += length;
  }
}

TEST(sanitize_text, control_characters_become_one_space) {
  EXPECT_EQ(sanitize_text("a\nb\r\nc\td\x01"
                          "e\x7f"
                          "f",
                          100),
            "a b c d e f");
  EXPECT_EQ(sanitize_text("ok\n[2026-01-01 00:00:00.000] [info] forged", 100),
            "ok [2026-01-01 00:00:00.000] [info] forged");
  EXPECT_EQ(sanitize_text("  \n padded \r\n ", 100), "padded");
  EXPECT_EQ(sanitize_text(std::string("nul\0byte", 8), 100), "nul byte");
}

TEST(sanitize_text, c1_line_separators_and_bidi_controls_become_a_space) {
  EXPECT_EQ(sanitize_text("a\xC2\x85"
                          "b\xC2\x9B"
                          "c",
                          100),
            "a b c");
  EXPECT_EQ(sanitize_text("a\xE2\x80\xA8"
                          "b\xE2\x80\xA9"
                          "c",
                          100),
            "a b c");
  EXPECT_EQ(sanitize_text("evil\xE2\x80\xAEtxt.exe\xE2\x81\xA6x", 100), "evil txt.exe x");
  EXPECT_EQ(sanitize_text("\xC2\xA0nbsp and 你好 stay", 100), "\xC2\xA0nbsp and 你好 stay");
}

TEST(sanitize_text, invalid_utf8_becomes_one_replacement_character) {
  EXPECT_EQ(sanitize_text("a\xff\xfe"
                          "b",
                          100),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(sanitize_text("cut \xE4\xBD", 100), "cut \xEF\xBF\xBD");
  EXPECT_EQ(sanitize_text("overlong \xC0\xAF surrogate \xED\xA0\x80", 100),
            "overlong \xEF\xBF\xBD surrogate \xEF\xBF\xBD");
}

TEST(sanitize_text, bounded_with_a_mark) {
  const std::string long_ascii(300, 'a');
  const auto cut = sanitize_text(long_ascii, 256);
  EXPECT_EQ(cut.size(), 256u);
  EXPECT_EQ(cut, std::string(256 - mark.size(), 'a') + mark);
  EXPECT_EQ(sanitize_text(std::string(256, 'b'), 256), std::string(256, 'b'));
  EXPECT_EQ(sanitize_text("abcdef", 2), "");
  EXPECT_EQ(sanitize_text("abcdef", 0), "");
  EXPECT_EQ(sanitize_text("", 10), "");
}

TEST(sanitize_text, never_splits_a_code_point_at_any_bound) {
  // 1-, 2-, 3- and 4-byte code points, and spaces a cut must not leave before the mark.
  const std::string text = "x é 你好 \xF0\x9F\x98\x80 世界 done";
  for (std::size_t bound = 0; bound <= text.size() + 2; ++bound) {
    SCOPED_TRACE(bound);
    const auto out = sanitize_text(text, bound);
    EXPECT_LE(out.size(), bound);
    expect_one_clean_line(out);
    if (out.size() == text.size()) {
      EXPECT_EQ(out, text);
    } else if (!out.empty()) {
      ASSERT_TRUE(out.ends_with(mark)) << out;
      const auto kept = out.substr(0, out.size() - mark.size());
      EXPECT_TRUE(text.starts_with(kept)) << out;
      EXPECT_FALSE(kept.ends_with(" ")) << out;
    }
  }
}

TEST(sanitize_text, random_bytes_always_give_one_bounded_clean_line) {
  std::mt19937 random(20261101);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(0, 80);
  for (int round = 0; round < 5000; ++round) {
    std::string input(length(random), '\0');
    for (auto& c : input) c = static_cast<char>(byte(random));
    const std::size_t bound = length(random);
    const auto out = sanitize_text(input, bound);
    ASSERT_LE(out.size(), bound);
    expect_one_clean_line(out);
  }
}

TEST(redact_secrets, known_secrets_anywhere) {
  EXPECT_EQ(redact_secrets("a sk-qgate-mock b sk-qgate-mock", {"sk-qgate-mock"}), "a *** b ***");
  EXPECT_EQ(redact_secrets("key=plain-secret-value;", {"", "plain-secret-value"}), "key=***;");
  EXPECT_EQ(redact_secrets("nothing here", {"", "absent-secret"}), "nothing here");
}

TEST(redact_secrets, the_start_of_a_secret_cut_by_the_bound) {
  const auto cut = sanitize_text("echo: plain-secret-value and more", 20);
  ASSERT_EQ(cut, "echo: plain-secre" + mark);
  EXPECT_EQ(redact_secrets(cut, {"plain-secret-value"}), "echo: ***" + mark);
  EXPECT_EQ(redact_secrets("pla" + mark, {"plain-secret-value"}), "pla" + mark);
}

TEST(redact_secrets, credential_shapes_without_knowing_them) {
  EXPECT_EQ(redact_secrets("Authorization: Bearer abc.DEF-123_~+/=", {}), "Authorization: ***");
  EXPECT_EQ(redact_secrets("authorization: bearer\txyz next", {}), "authorization: *** next");
  EXPECT_EQ(redact_secrets("BEARER", {}), "***");
  EXPECT_EQ(redact_secrets("the bearers of news", {}), "the bearers of news");
  EXPECT_EQ(redact_secrets("key sk-0123456789abcdef end", {}), "key *** end");
  EXPECT_EQ(redact_secrets("(qg-3Vd_abcdefghijklmnopqrstuvwxyz0123456789)", {}), "(***)");
  EXPECT_EQ(redact_secrets("task-manager sk-short disk-abcdefghijkl", {}),
            "task-manager sk-short disk-abcdefghijkl");
}

}  // namespace
