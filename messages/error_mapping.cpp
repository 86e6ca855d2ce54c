#include "messages/error_mapping.hpp"

namespace qgate {
namespace {

// Where the spec gives a message it is used exactly; otherwise the detail names the field.
std::string with_detail(std::string_view prefix, const std::string& detail) {
  std::string message(prefix);
  message += detail;
  return message;
}

}  // namespace

error_reply map_error(const error& err) {
  // No default: a new errc does not compile until it is mapped here.
  switch (err.code) {
    case errc::invalid_model:
      return {400, "INVALID_MODEL", "无效的模型名称或模型类型不匹配"};
    case errc::invalid_messages:
      if (err.detail.empty()) return {400, "INVALID_MESSAGES", "消息列表不能为空"};
      return {400, "INVALID_MESSAGES", with_detail("消息格式错误:", err.detail)};
    case errc::invalid_params:
      return {400, "INVALID_PARAMS", with_detail("参数错误:", err.detail)};
    case errc::unauthorized:
    case errc::upstream_unauthorized:  // the spec: 401 also when DashScope rejects the key
      return {401, "UNAUTHORIZED", "未授权:API Key缺失或无效"};
    case errc::forbidden:
      if (err.detail.empty()) return {403, "FORBIDDEN", "禁止访问"};
      return {403, "FORBIDDEN", with_detail("禁止访问:", err.detail)};
    case errc::not_found:
      return {404, "NOT_FOUND", "资源不存在"};
    case errc::method_not_allowed:
      return {405, "METHOD_NOT_ALLOWED", "请求方法不被允许"};
    case errc::payload_too_large:
      return {413, "PAYLOAD_TOO_LARGE", "请求体过大"};
    case errc::headers_too_large:
      return {431, "HEADERS_TOO_LARGE", "请求头过大"};
    case errc::request_timeout:
      return {408, "REQUEST_TIMEOUT", "请求读取超时"};
    case errc::bad_request:
      return {400, "BAD_REQUEST", "请求格式错误"};
    case errc::conflict:
      return {409, "CONFLICT", with_detail("资源冲突:", err.detail)};
    case errc::rate_limited:
      return {429, "RATE_LIMITED", "请求频率超限"};
    case errc::upstream_error:
      return {502, "UPSTREAM_ERROR", with_detail("百炼平台返回错误:", err.detail)};
    case errc::timeout:
      return {504, "TIMEOUT", "请求超时"};
    case errc::unavailable:
      return {503, "UNAVAILABLE", "服务正在关闭,请稍后重试"};
    case errc::overloaded:
      return {503, "OVERLOADED", "服务繁忙,请稍后重试"};
    case errc::internal_error:
      return {500, "INTERNAL_ERROR", "服务器内部错误"};
  }
  return {500, "INTERNAL_ERROR", "服务器内部错误"};
}

}  // namespace qgate
