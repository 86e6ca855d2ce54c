#include "config/logging.hpp"

#include "messages/json_escape.hpp"
#include "messages/utf8.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace qgate::config {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

void put(spdlog::memory_buf_t& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

void append_hex_escape(spdlog::memory_buf_t& out, std::string_view prefix, unsigned value,
                       int digits) {
  put(out, prefix);
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out.push_back(hex_digits[(value >> shift) & 0xF]);
}

// Code points (2 or 3 bytes) that end a line or reorder text in a terminal or a log viewer: C1,
// U+2028, U+2029, and the bidirectional embeddings, overrides and isolates. Returns 0 otherwise.
unsigned unsafe_code_point(std::string_view text, std::size_t i, std::size_t length) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (length == 2 && byte(0) == 0xC2 && byte(1) <= 0x9F) return byte(1);
  if (length != 3 || byte(0) != 0xE2) return 0;
  const unsigned cp = 0x2000u | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
  if ((cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return cp;
  return 0;
}

// Appends `text` so that it stays on one line and reads unambiguously: backslash, control
// characters, the code points above and invalid UTF-8 bytes are written as escapes.
void append_log_text(spdlog::memory_buf_t& out, std::string_view text) {
  std::size_t plain = 0;  // start of the bytes not yet copied
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_sequence_length(text, i);
    const unsigned cp = length == 0 ? 0 : unsafe_code_point(text, i, length);
    const bool escaped_byte = length == 0 || (length == 1 && (c < 0x20 || c == 0x7F || c == '\\'));
    if (!escaped_byte && cp == 0) {
      i += length;
      continue;
    }
    put(out, text.substr(plain, i - plain));
    if (cp != 0) {
      append_hex_escape(out, "\\u", cp, 4);
    } else if (c == '\n') {
      put(out, "\\n");
    } else if (c == '\r') {
      put(out, "\\r");
    } else if (c == '\t') {
      put(out, "\\t");
    } else if (c == '\\') {
      put(out, "\\\\");
    } else {
      append_hex_escape(out, "\\x", c, 2);  // other controls, and each byte of invalid UTF-8
    }
    i += length == 0 ? 1 : length;
    plain = i;
  }
  put(out, text.substr(plain));
}

// `%*` in the text pattern: the message escaped onto one line, so that no text a client or the
// upstream controls can forge a log line.
class text_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    append_log_text(out, std::string_view(message.payload.data(), message.payload.size()));
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<text_message_flag>();
  }
};

// `%*` in the JSON pattern: the message as an escaped JSON string, so any text stays valid JSON.
class json_message_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    std::string escaped;
    append_json_string(escaped, std::string_view(message.payload.data(), message.payload.size()));
    out.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

}  // namespace

void setup_logging(const log_settings& settings, std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!sink) sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("qgate", std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (settings.format == log_format::json) {
    formatter->add_flag<json_message_flag>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":%*})");
  } else {
    formatter->add_flag<text_message_flag>('*').set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %*");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(settings.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void flush_logs() { spdlog::default_logger()->flush(); }

}  // namespace qgate::config
