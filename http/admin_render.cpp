#include "http/admin_render.hpp"

#include "messages/json_escape.hpp"

#include <fmt/format.h>

#include <iterator>

namespace qgate::http {
namespace {

void append_counts(std::string& out, const usage_total& usage) {
  fmt::format_to(std::back_inserter(out),
                 R"("requests":{},"input_tokens":{},"output_tokens":{},"total_tokens":{})",
                 usage.requests, usage.input_tokens, usage.output_tokens, usage.total_tokens);
}

void append_tenant(std::string& out, const admin_tenant& tenant, const std::string& key) {
  const auto& info = tenant.info;
  out += R"({"name":)";
  append_json_string(out, info.name);
  out += R"(,"key_prefix":)";
  append_json_string(out, info.key_prefix);
  out += R"(,"enabled":)";
  out += info.enabled ? "true" : "false";
  out += R"(,"models":[)";
  for (std::size_t i = 0; i < info.models.size(); ++i) {
    if (i != 0) out += ',';
    append_json_string(out, info.models[i]);
  }
  fmt::format_to(std::back_inserter(out), R"(],"rpm":{},"tpm":{},"max_streams":{},"created_at":)",
                 info.limits.rpm, info.limits.tpm, info.limits.max_streams);
  append_json_string(out, tenant.created_at);
  out += R"(,"today":{"day":)";
  append_json_string(out, tenant.today.day);
  out += ',';
  append_counts(out, tenant.today);
  out += '}';
  if (!key.empty()) {
    out += R"(,"key":)";
    append_json_string(out, key);
  }
  out += '}';
}

void append_usage(std::string& out, const tenant_usage& row) {
  out += R"({"tenant":)";
  append_json_string(out, row.tenant);
  out += R"(,"day":)";
  append_json_string(out, row.usage.day);
  out += R"(,"model":)";
  append_json_string(out, row.usage.model);
  out += ',';
  append_counts(out, row.usage);
  out += '}';
}

}  // namespace

unsigned admin_status(const admin_reply& reply) noexcept {
  return reply.operation == admin_operation::create_tenant ? 201 : 200;
}

std::string admin_body(const admin_reply& reply) {
  std::string body = fmt::format(R"({{"code":{},"message":"success","data":)", admin_status(reply));
  switch (reply.operation) {
    case admin_operation::list_tenants:
      body += '[';
      for (std::size_t i = 0; i < reply.tenants.size(); ++i) {
        if (i != 0) body += ',';
        append_tenant(body, reply.tenants[i], {});
      }
      body += ']';
      break;
    case admin_operation::usage:
      body += '[';
      for (std::size_t i = 0; i < reply.usage.size(); ++i) {
        if (i != 0) body += ',';
        append_usage(body, reply.usage[i]);
      }
      body += ']';
      break;
    case admin_operation::create_tenant:
    case admin_operation::get_tenant:
    case admin_operation::update_tenant:
    case admin_operation::rotate_key:
      if (reply.tenants.empty()) {
        body += "null";
      } else {
        append_tenant(body, reply.tenants.front(), reply.key);
      }
      break;
  }
  body += '}';
  return body;
}

}  // namespace qgate::http
