#include "http/error_mapping.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

namespace {

using namespace qgate;

TEST(error_mapping, every_code_has_a_distinct_symbol_and_a_parsable_body) {
  std::set<std::string_view> symbols;
  simdjson::dom::parser parser;
  for (const auto code : all_errcs) {
    const error err = make_error(code, "detail \"with\" quotes\n");
    const auto reply = http::map_error(err);
    // One alias, as the spec wants it: DashScope rejecting qgate's key is the seed's 401 too.
    if (code != errc::upstream_unauthorized) {
      EXPECT_TRUE(symbols.insert(reply.symbol).second) << reply.symbol;
    }
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(http::error_body(err)).get(root), simdjson::SUCCESS);
    EXPECT_EQ(int64_t(root["code"]), reply.status);
    EXPECT_EQ(std::string_view(root["message"]), reply.message);
    EXPECT_TRUE(root["data"].is_null());
    EXPECT_EQ(std::string_view(root["error"]), reply.symbol);
  }
}

TEST(error_mapping, spec_table) {
  const auto check = [](errc code, std::string detail, unsigned status, std::string_view symbol,
                        std::string_view message) {
    const auto reply = http::map_error(make_error(code, std::move(detail)));
    EXPECT_EQ(reply.status, status);
    EXPECT_EQ(reply.symbol, symbol);
    EXPECT_EQ(reply.message, message);
  };
  check(errc::invalid_model, "qwen-x", 400, "INVALID_MODEL", "无效的模型名称或模型类型不匹配");
  check(errc::invalid_messages, "", 400, "INVALID_MESSAGES", "消息列表不能为空");
  check(errc::unauthorized, "secret detail", 401, "UNAUTHORIZED", "未授权:API Key缺失或无效");
  check(errc::upstream_unauthorized, "InvalidApiKey: x", 401, "UNAUTHORIZED",
        "未授权:API Key缺失或无效");
  check(errc::rate_limited, "", 429, "RATE_LIMITED", "请求频率超限");
  check(errc::forbidden, "", 403, "FORBIDDEN", "禁止访问");
  check(errc::forbidden, "租户 API Key 不能调用管理接口", 403, "FORBIDDEN",
        "禁止访问:租户 API Key 不能调用管理接口");
  check(errc::conflict, "a tenant named x already exists", 409, "CONFLICT",
        "资源冲突:a tenant named x already exists");
  check(errc::upstream_error, "InternalError: boom", 502, "UPSTREAM_ERROR",
        "百炼平台返回错误:InternalError: boom");
  check(errc::timeout, "", 504, "TIMEOUT", "请求超时");
  check(errc::not_found, "", 404, "NOT_FOUND", "资源不存在");
  check(errc::method_not_allowed, "", 405, "METHOD_NOT_ALLOWED", "请求方法不被允许");
  check(errc::payload_too_large, "", 413, "PAYLOAD_TOO_LARGE", "请求体过大");
  check(errc::headers_too_large, "", 431, "HEADERS_TOO_LARGE", "请求头过大");
  check(errc::request_timeout, "", 408, "REQUEST_TIMEOUT", "请求读取超时");
  check(errc::unavailable, "", 503, "UNAVAILABLE", "服务正在关闭,请稍后重试");
  check(errc::overloaded, "", 503, "OVERLOADED", "服务繁忙,请稍后重试");
}

}  // namespace
