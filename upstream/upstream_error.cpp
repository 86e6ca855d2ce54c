// The error half of every provider's decoder: error bodies read, bounded and sanitized, and the
// one upstream → qgate error mapping.
#include "upstream/upstream_error.hpp"

#include "messages/untrusted_text.hpp"
#include "upstream/decoder_parts.hpp"

namespace qgate::upstream {
namespace {

std::string_view sse_data_line(std::string_view body) {
  const std::size_t at = body.find("data:");
  if (at == std::string_view::npos) return {};
  std::string_view line = body.substr(at + 5);
  return line.substr(0, line.find_first_of("\r\n"));
}

}  // namespace

upstream_error_body parse_error_body(std::string_view body) {
  simdjson::dom::element root;
  auto& parser = thread_json_parser();
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    const std::string_view data = sse_data_line(body);
    if (data.empty() || parser.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS) {
      return {{}, std::string(non_json_error_message)};
    }
  }
  // A string field, or empty when it is missing or of another type.
  const auto text_at = [](simdjson::simdjson_result<simdjson::dom::element> field) {
    std::string_view text;
    return field.get(text) == simdjson::SUCCESS ? text : std::string_view();
  };
  std::string_view code = text_at(root["code"]);
  std::string_view message = text_at(root["message"]);
  // Compatible-mode shape: {"error":{"code","message"}}.
  if (code.empty()) code = text_at(root["error"]["code"]);
  if (message.empty()) message = text_at(root["error"]["message"]);
  // Ollama's shape: {"error":"<message>"}.
  if (message.empty()) message = text_at(root["error"]);
  return {sanitize_text(code, max_error_code_bytes),
          sanitize_text(message, max_error_message_bytes)};
}

bool is_data_inspection(const upstream_error_body& body) {
  return body.code.find("DataInspectionFailed") != std::string::npos ||
         body.code == "data_inspection_failed" ||
         body.message.find("DataInspectionFailed") != std::string::npos;
}

error classify_upstream_error(long http_status, const upstream_error_body& body) {
  std::string detail = body.code.empty() ? "HTTP " + std::to_string(http_status) : body.code;
  if (!body.message.empty()) detail += ": " + body.message;
  if (http_status == 401 || body.code == "InvalidApiKey" || body.code == "invalid_api_key") {
    return make_error(errc::upstream_unauthorized, std::move(detail));
  }
  if (http_status == 429 || body.code.starts_with("Throttling") || body.code == "limit_requests" ||
      body.code == "insufficient_quota") {
    return make_error(errc::rate_limited, std::move(detail));
  }
  if (http_status == 408 || body.code == "RequestTimeOut" || body.code == "InternalError.Timeout") {
    return make_error(errc::timeout, std::move(detail));
  }
  auto failure = make_error(errc::upstream_error, std::move(detail));
  failure.upstream_status = http_status;
  return failure;
}

error classify_transfer_failure(const transfer_outcome& outcome) {
  switch (outcome.failure) {
    case transfer_failure::connect_timeout:
      return make_error(errc::timeout, "upstream connect timeout");
    case transfer_failure::first_byte_timeout:
      return make_error(errc::timeout, "upstream first byte timeout");
    case transfer_failure::idle_timeout:
      return make_error(errc::timeout, "upstream idle timeout");
    case transfer_failure::total_timeout:
      return make_error(errc::timeout, "upstream total timeout");
    case transfer_failure::connect_failed:
      return make_error(errc::upstream_error, "连接失败: " + outcome.message);
    case transfer_failure::network:
      return make_error(errc::upstream_error, "连接中断: " + outcome.message);
    case transfer_failure::none:
      break;
  }
  return make_error(errc::upstream_error, "上游响应在结束前中断");
}

}  // namespace qgate::upstream
