#include "http/admin_request.hpp"

#include "http/query.hpp"
#include "messages/tenant_rules.hpp"
#include "messages/untrusted_text.hpp"

#include <simdjson.h>

#include <array>
#include <set>
#include <string>

namespace qgate::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view tenants_path = "/admin/tenants";
constexpr std::string_view rotate_suffix = "/rotate-key";
// An unknown field's name in an error: as much as anyone needs to recognise it.
constexpr std::size_t shown_field_bytes = 64;

error invalid(std::string detail, std::string_view field = {}) {
  return make_error(errc::invalid_params, std::move(detail), std::string(field));
}

[[nodiscard]] result<std::int64_t> limit_of(const element& value, std::string_view field) {
  std::int64_t number = 0;
  if (value.type() == element_type::UINT64) return invalid(std::string(field) + " 超出范围", field);
  if (value.type() != element_type::INT64 || value.get(number) != simdjson::SUCCESS)
    return invalid(std::string(field) + " 必须是整数", field);
  if (auto checked = check_tenant_limit(field, number); !checked) return checked.error();
  return number;
}

// null or [] is every model.
[[nodiscard]] result<std::vector<std::string>> models_of(const element& value) {
  std::vector<std::string> models;
  if (value.type() == element_type::NULL_VALUE) return models;
  simdjson::dom::array items;
  if (value.get(items) != simdjson::SUCCESS) return invalid("models 必须是字符串数组", "models");
  for (element item : items) {
    std::string_view model;
    if (item.get(model) != simdjson::SUCCESS) return invalid("models 必须是字符串数组", "models");
    models.emplace_back(model);
  }
  if (auto checked = check_tenant_models(models); !checked) return checked.error();
  return models;
}

// One field of a create (with `name`) or update (with `enabled`) body into `request`.
[[nodiscard]] result<void> read_field(std::string_view key, const element& value,
                                      admin_request& request) {
  auto& fields = request.fields;
  const bool create = request.operation == admin_operation::create_tenant;
  if (key == "rpm" || key == "tpm" || key == "max_streams") {
    auto number = limit_of(value, key);
    if (!number) return number.error();
    (key == "rpm" ? fields.rpm : key == "tpm" ? fields.tpm : fields.max_streams) = number.value();
  } else if (key == "models") {
    auto models = models_of(value);
    if (!models) return models.error();
    fields.models = std::move(models).value();
  } else if (key == "name" && create) {
    std::string_view name;
    if (value.get(name) != simdjson::SUCCESS) return invalid("name 必须是字符串", "name");
    if (auto checked = check_tenant_name(name); !checked) return checked.error();
    request.name = name;
  } else if (key == "enabled" && !create) {
    bool enabled = false;
    if (value.get(enabled) != simdjson::SUCCESS) return invalid("enabled 必须是布尔值", "enabled");
    fields.enabled = enabled;
  } else {
    return invalid("未知字段 " + sanitize_text(key, shown_field_bytes), key);
  }
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_body(std::string_view body, admin_request& request) {
  if (body.size() > max_admin_body_bytes) return make_error(errc::payload_too_large);
  thread_local simdjson::dom::parser parser;
  element document;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS)
    return invalid("请求体不是有效的 JSON");
  simdjson::dom::object object;
  if (document.get(object) != simdjson::SUCCESS) return invalid("请求体必须是 JSON 对象");
  std::set<std::string_view> seen;
  for (auto [key, value] : object) {
    if (!seen.insert(key).second)
      return invalid("字段 " + sanitize_text(key, shown_field_bytes) + " 重复", key);
    if (auto read = read_field(key, value, request); !read) return read.error();
  }
  if (request.operation == admin_operation::create_tenant && request.name.empty())
    return invalid("name 缺失", "name");
  if (request.operation == admin_operation::update_tenant && request.fields.empty())
    return invalid("请求体至少需要 rpm、tpm、max_streams、models、enabled 之一");
  return boost::outcome_v2::success();
}

// The tenant named by a path segment (percent-encoded).
[[nodiscard]] result<std::string> name_in_path(std::string_view segment) {
  auto name = percent_decode(segment);
  if (!name) return invalid("name 的百分号编码无效", "name");
  if (auto checked = check_tenant_name(*name); !checked) return checked.error();
  return std::move(*name);
}

[[nodiscard]] result<void> read_usage_query(std::string_view target, admin_request& request) {
  if (auto tenant = query_value(target, "tenant"); tenant && !tenant->empty()) {
    auto name = percent_decode(*tenant, true);
    if (!name) return invalid("tenant 的百分号编码无效", "tenant");
    if (auto checked = check_tenant_name(*name, "tenant"); !checked) return checked.error();
    request.name = std::move(*name);
  }
  auto range = parse_day_range(target);
  if (!range) return range.error();
  request.from_day = std::move(range.value().from);
  request.to_day = std::move(range.value().to);
  return boost::outcome_v2::success();
}

admin_parse route_refused(std::string_view allow) {
  admin_parse parsed;
  parsed.refused = make_error(allow.empty() ? errc::not_found : errc::method_not_allowed);
  parsed.allow = allow;
  return parsed;
}

}  // namespace

admin_parse parse_admin_request(std::string_view method, std::string_view target,
                                std::string_view body) {
  const auto path = target.substr(0, target.find('?'));
  admin_parse parsed;
  auto& request = parsed.request;
  const auto keep = [&](result<void> read) {
    if (!read) request.invalid = read.error();
    return parsed;
  };
  if (path == tenants_path) {
    if (method == "GET") return parsed;  // list_tenants
    if (method != "POST") return route_refused("GET, POST");
    request.operation = admin_operation::create_tenant;
    return keep(read_body(body, request));
  }
  if (path == "/admin/usage") {
    if (method != "GET") return route_refused("GET");
    request.operation = admin_operation::usage;
    return keep(read_usage_query(target, request));
  }
  if (!path.starts_with(tenants_path) || path.size() <= tenants_path.size() + 1 ||
      path[tenants_path.size()] != '/')
    return route_refused({});
  auto rest = path.substr(tenants_path.size() + 1);
  const bool rotate = rest.ends_with(rotate_suffix);
  if (rotate) rest.remove_suffix(rotate_suffix.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return route_refused({});
  auto name = name_in_path(rest);
  result<void> named = boost::outcome_v2::success();
  if (name) {
    request.name = std::move(name).value();
  } else {
    named = result<void>(name.error());
  }
  if (rotate) {
    if (method != "POST") return route_refused("POST");
    request.operation = admin_operation::rotate_key;
    return keep(std::move(named));
  }
  if (method == "GET") {
    request.operation = admin_operation::get_tenant;
    return keep(std::move(named));
  }
  if (method != "PATCH") return route_refused("GET, PATCH");
  request.operation = admin_operation::update_tenant;
  if (!named) return keep(std::move(named));
  return keep(read_body(body, request));
}

bool is_console_path(std::string_view path) noexcept {
  return path == admin_console_path ||
         (path.starts_with(admin_console_path) && path[admin_console_path.size()] == '/');
}

std::string_view bearer_token(std::string_view authorization) noexcept {
  constexpr std::string_view bearer = "bearer ";
  if (authorization.size() <= bearer.size()) return {};
  for (std::size_t i = 0; i < bearer.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != bearer[i]) return {};
  }
  auto token = authorization.substr(bearer.size());
  while (token.starts_with(' ')) token.remove_prefix(1);
  while (token.ends_with(' ')) token.remove_suffix(1);
  return token;
}

}  // namespace qgate::http
