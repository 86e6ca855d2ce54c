// The admin API's pure parts: routes (404, 405 + Allow), request bodies field by field, the usage
// query, tenant rules, bearer tokens, percent-decoding; answers rendered and read back by simdjson
// with hostile names.
#include "http/admin_request.hpp"
#include "http/admin_render.hpp"
#include "http/query.hpp"
#include "messages/tenant_rules.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace {

using namespace qgate;
using namespace qgate::http;

admin_parse parse(std::string_view method, std::string_view target, std::string_view body = {}) {
  return parse_admin_request(method, target, body);
}

// The field a body is refused for (its `param`), or "" when it is taken.
std::string refused_field(std::string_view method, std::string_view target, std::string_view body) {
  const auto parsed = parse(method, target, body);
  EXPECT_FALSE(parsed.refused) << target;
  if (!parsed.request.invalid) return "";
  EXPECT_EQ(parsed.request.invalid->code, errc::invalid_params) << body;
  return parsed.request.invalid->param.empty() ? "-" : parsed.request.invalid->param;
}

TEST(admin_routes, each_path_takes_its_methods) {
  EXPECT_EQ(parse("GET", "/admin/tenants").request.operation, admin_operation::list_tenants);
  EXPECT_EQ(parse("POST", "/admin/tenants", R"({"name":"a"})").request.operation,
            admin_operation::create_tenant);
  EXPECT_EQ(parse("GET", "/admin/tenants/a").request.operation, admin_operation::get_tenant);
  EXPECT_EQ(parse("PATCH", "/admin/tenants/a", R"({"rpm":1})").request.operation,
            admin_operation::update_tenant);
  EXPECT_EQ(parse("POST", "/admin/tenants/a/rotate-key").request.operation,
            admin_operation::rotate_key);
  EXPECT_EQ(parse("GET", "/admin/usage?from=2026-01-01").request.operation, admin_operation::usage);
  const struct {
    const char* method;
    const char* target;
    const char* allow;
  } refused[] = {
      {"DELETE", "/admin/tenants", "GET, POST"},
      {"PUT", "/admin/tenants/a", "GET, PATCH"},
      {"POST", "/admin/tenants/a", "GET, PATCH"},
      {"GET", "/admin/tenants/a/rotate-key", "POST"},
      {"POST", "/admin/usage?from=2026-01-01", "GET"},
      {"HEAD", "/admin/tenants", "GET, POST"},
      {"GET", "/admin", ""},
      {"GET", "/admin/", ""},
      {"GET", "/admin/tenants/", ""},
      {"GET", "/admin/tenants/a/b", ""},
      {"GET", "/admin/tenants//rotate-key", ""},
      {"GET", "/admin/tenantsx", ""},
      {"GET", "/admin/nothing", ""},
  };
  for (const auto& c : refused) {
    const auto parsed = parse(c.method, c.target);
    ASSERT_TRUE(parsed.refused) << c.method << " " << c.target;
    EXPECT_EQ(parsed.refused->code, *c.allow ? errc::method_not_allowed : errc::not_found)
        << c.method << " " << c.target;
    EXPECT_EQ(parsed.allow, c.allow) << c.method << " " << c.target;
  }
}

TEST(admin_routes, names_in_paths_are_percent_decoded_and_checked) {
  EXPECT_EQ(parse("GET", "/admin/tenants/team%20a%2F%22%5C%E2%9C%93").request.name, "team a/\"\\✓");
  EXPECT_EQ(parse("POST", "/admin/tenants/a%2Fb/rotate-key").request.name, "a/b");
  for (const char* bad : {"/admin/tenants/%zz", "/admin/tenants/%4", "/admin/tenants/a%00b",
                          "/admin/tenants/%0A", "/admin/tenants/%C3%28", "/admin/tenants/%20a"}) {
    const auto parsed = parse("GET", bad);
    ASSERT_FALSE(parsed.refused) << bad;
    ASSERT_TRUE(parsed.request.invalid) << bad;
    EXPECT_EQ(parsed.request.invalid->param, "name") << bad;
  }
}

TEST(admin_bodies, a_tenant_to_create) {
  const auto parsed = parse("POST", "/admin/tenants",
                            R"({"name":"o'brien \"q\" \\ ✓","models":["qwen-turbo","模型 🚀"],)"
                            R"("rpm":60,"tpm":100000,"max_streams":4})");
  ASSERT_FALSE(parsed.request.invalid) << parsed.request.invalid->detail;
  const auto& r = parsed.request;
  EXPECT_EQ(r.name, "o'brien \"q\" \\ ✓");
  EXPECT_EQ(*r.fields.models, (std::vector<std::string>{"qwen-turbo", "模型 🚀"}));
  EXPECT_EQ(*r.fields.rpm, 60);
  EXPECT_EQ(*r.fields.tpm, 100000);
  EXPECT_EQ(*r.fields.max_streams, 4);
  const auto minimal = parse("POST", "/admin/tenants", R"({"name":"a","models":null})");
  ASSERT_FALSE(minimal.request.invalid);
  EXPECT_TRUE(minimal.request.fields.models->empty()) << "null: every model";
  EXPECT_FALSE(minimal.request.fields.rpm);
}

TEST(admin_bodies, every_bad_field_is_named) {
  const auto create = [](std::string_view body) {
    return refused_field("POST", "/admin/tenants", body);
  };
  EXPECT_EQ(create(R"({"name":"a"})"), "");
  EXPECT_EQ(create(R"({})"), "name");
  EXPECT_EQ(create(R"({"name":7})"), "name");
  EXPECT_EQ(create(R"({"name":""})"), "name");
  EXPECT_EQ(create(R"({"name":"a\u0000b"})"), "name");
  EXPECT_EQ(create(R"({"name":"a\nb"})"), "name");
  EXPECT_EQ(create(R"({"name":"a\u0085b"})"), "name");
  EXPECT_EQ(create(R"({"name":" a"})"), "name");
  EXPECT_EQ(create(R"({"name":")" + std::string(129, 'x') + R"("})"), "name");
  EXPECT_EQ(create(R"({"name":")" + std::string(128, 'x') + R"("})"), "");
  EXPECT_EQ(create(R"({"name":"a","rpm":-1})"), "rpm");
  EXPECT_EQ(create(R"({"name":"a","rpm":1.5})"), "rpm");
  EXPECT_EQ(create(R"({"name":"a","rpm":"5"})"), "rpm");
  EXPECT_EQ(create(R"({"name":"a","rpm":null})"), "rpm");
  EXPECT_EQ(create(R"({"name":"a","rpm":true})"), "rpm");
  EXPECT_EQ(create(R"({"name":"a","tpm":18446744073709551615})"), "tpm");
  EXPECT_EQ(create(R"({"name":"a","tpm":1000000000001})"), "tpm");
  EXPECT_EQ(create(R"({"name":"a","max_streams":-5})"), "max_streams");
  EXPECT_EQ(create(R"({"name":"a","models":"qwen-turbo"})"), "models");
  EXPECT_EQ(create(R"({"name":"a","models":[1]})"), "models");
  EXPECT_EQ(create(R"({"name":"a","models":["a,b"]})"), "models");
  EXPECT_EQ(create(R"({"name":"a","models":[""]})"), "models");
  EXPECT_EQ(create(R"({"name":"a","enabled":false})"), "enabled") << "not on create";
  EXPECT_EQ(create(R"({"name":"a","nmae":"b"})"), "nmae");
  EXPECT_EQ(create(R"({"name":"a","name":"b"})"), "name") << "a field twice";
  EXPECT_EQ(create(R"([1])"), "-");
  EXPECT_EQ(create(R"({"name":)"), "-");
  EXPECT_EQ(create(""), "-");
  std::string many = R"({"name":"a","models":[)";
  for (int i = 0; i <= 256; ++i) many += (i ? ",\"m" : "\"m") + std::to_string(i) + "\"";
  EXPECT_EQ(create(many + "]}"), "models");

  const auto update = [](std::string_view body) {
    return refused_field("PATCH", "/admin/tenants/a", body);
  };
  EXPECT_EQ(update(R"({"enabled":false})"), "");
  EXPECT_EQ(update(R"({"models":[]})"), "");
  EXPECT_EQ(update(R"({})"), "-");
  EXPECT_EQ(update(R"({"enabled":"no"})"), "enabled");
  EXPECT_EQ(update(R"({"name":"b"})"), "name") << "no renames";
  EXPECT_EQ(update(R"({"rpm":-1})"), "rpm");

  const auto big = parse("POST", "/admin/tenants",
                         R"({"name":"a","x":")" + std::string(max_admin_body_bytes, 'x') + "\"}");
  ASSERT_TRUE(big.request.invalid);
  EXPECT_EQ(big.request.invalid->code, errc::payload_too_large);
}

TEST(admin_bodies, unknown_fields_are_shown_as_one_printable_line) {
  const auto parsed = parse("POST", "/admin/tenants", R"({"name":"a","x\ny\u0000":1})");
  ASSERT_TRUE(parsed.request.invalid);
  EXPECT_EQ(parsed.request.invalid->detail.find('\n'), std::string::npos);
  EXPECT_EQ(parsed.request.invalid->detail.find('\0'), std::string::npos);
}

TEST(admin_usage, the_query_is_checked_like_the_tenants_own) {
  const auto all = parse("GET", "/admin/usage?from=2026-01-01&to=2026-01-31");
  ASSERT_FALSE(all.request.invalid);
  EXPECT_EQ(all.request.name, "");
  EXPECT_EQ(all.request.from_day, "2026-01-01");
  EXPECT_EQ(all.request.to_day, "2026-01-31");
  const auto one = parse("GET", "/admin/usage?tenant=team+a%2F%E2%9C%93&from=2026-01-01");
  ASSERT_FALSE(one.request.invalid);
  EXPECT_EQ(one.request.name, "team a/✓");
  EXPECT_EQ(one.request.to_day, "2026-01-01");
  for (const char* bad : {"/admin/usage", "/admin/usage?from=2026-02-30", "/admin/usage?from=x",
                          "/admin/usage?from=2026-01-02&to=2026-01-01"}) {
    const auto parsed = parse("GET", bad);
    ASSERT_TRUE(parsed.request.invalid) << bad;
    EXPECT_EQ(parsed.request.invalid->code, errc::invalid_params);
  }
  const auto control = parse("GET", "/admin/usage?tenant=%01&from=2026-01-01");
  ASSERT_TRUE(control.request.invalid);
  EXPECT_EQ(control.request.invalid->param, "tenant");
}

TEST(admin_auth, bearer_tokens_only) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bEaReR  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token(""), "");
  EXPECT_TRUE(is_console_path("/admin/console"));
  EXPECT_TRUE(is_console_path("/admin/console/console.js"));
  EXPECT_FALSE(is_console_path("/admin/consoles"));
  EXPECT_FALSE(is_console_path("/admin/tenants"));
}

TEST(percent_decoding, bytes_and_refusals) {
  EXPECT_EQ(percent_decode("a%20b%2fc"), "a b/c");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("%E6%A8%A1"), "模");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%G0"));
  EXPECT_FALSE(percent_decode("a%"));
}

TEST(tenant_rules, names_models_and_limits) {
  EXPECT_TRUE(check_tenant_name("team-a"));
  EXPECT_TRUE(check_tenant_name("o'brien \"x\" \\ <script> ✓ テナント 🚀"));
  EXPECT_FALSE(check_tenant_name(""));
  EXPECT_FALSE(check_tenant_name("a\x7F"));
  EXPECT_FALSE(check_tenant_name("a\xC2\x80"));  // C1
  EXPECT_TRUE(check_tenant_name("a\xC2\xA0"));   // U+00A0 is printable
  EXPECT_FALSE(check_tenant_name("\xFF"));
  EXPECT_FALSE(check_tenant_name("a "));
  EXPECT_EQ(check_tenant_name("", "tenant").error().param, "tenant");
  EXPECT_TRUE(check_tenant_models({}));
  EXPECT_FALSE(check_tenant_models({"a", "b,c"}));
  EXPECT_EQ(check_tenant_models({"a", "b\t"}).error().detail,
            "models[1] 必须是不含控制字符的 UTF-8 文本");
  EXPECT_TRUE(check_tenant_limit("rpm", 0));
  EXPECT_TRUE(check_tenant_limit("rpm", max_tenant_limit));
  EXPECT_FALSE(check_tenant_limit("rpm", -1));
  EXPECT_FALSE(check_tenant_limit("rpm", max_tenant_limit + 1));
}

admin_tenant hostile_tenant() {
  admin_tenant tenant;
  tenant.info.name = "o'brien \"x\" \\ </script><script>alert(1)</script> ✓ \xF0\x9F\x9A\x80";
  tenant.info.key_prefix = "qg-abcdefg";
  tenant.info.enabled = false;
  tenant.info.models = {"qwen\"turbo", "a\\b", "模型"};
  tenant.info.limits = {1, 2, 3};
  tenant.created_at = "2026-01-01T00:00:00";
  tenant.today = {"2026-01-02", "", 4, 5, 6, 11};
  return tenant;
}

TEST(admin_render, tenants_read_back_exactly) {
  admin_reply reply;
  reply.operation = admin_operation::create_tenant;
  reply.tenants = {hostile_tenant()};
  reply.key = "qg-secret";
  EXPECT_EQ(admin_status(reply), 201u);
  const auto body = admin_body(reply);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  EXPECT_EQ(int64_t(root["code"]), 201);
  EXPECT_EQ(std::string_view(root["message"]), "success");
  const auto data = root["data"];
  EXPECT_EQ(std::string_view(data["name"]), hostile_tenant().info.name);
  EXPECT_EQ(std::string_view(data["key"]), "qg-secret");
  EXPECT_FALSE(bool(data["enabled"]));
  EXPECT_EQ(std::string_view(data["models"].at(0)), "qwen\"turbo");
  EXPECT_EQ(std::string_view(data["models"].at(1)), "a\\b");
  EXPECT_EQ(int64_t(data["max_streams"]), 3);
  EXPECT_EQ(std::string_view(data["today"]["day"]), "2026-01-02");
  EXPECT_EQ(int64_t(data["today"]["total_tokens"]), 11);

  reply.operation = admin_operation::list_tenants;
  reply.key.clear();
  const auto list = admin_body(reply);
  EXPECT_EQ(admin_status(reply), 200u);
  ASSERT_EQ(parser.parse(list).get(root), simdjson::SUCCESS) << list;
  EXPECT_EQ(root["data"].get_array().size(), 1u);
  EXPECT_EQ(list.find("\"key\""), std::string::npos) << "a key only when one was made";
}

TEST(admin_render, usage_rows) {
  admin_reply reply;
  reply.operation = admin_operation::usage;
  reply.usage = {{"t\"1", {"2026-01-01", "m\\1", 1, 2, 3, 5}},
                 {"t2", {"2026-01-02", "m", 6, 7, 8, 15}}};
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const auto body = admin_body(reply);
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  const auto rows = root["data"].get_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(std::string_view(rows.at(0)["tenant"]), "t\"1");
  EXPECT_EQ(std::string_view(rows.at(0)["model"]), "m\\1");
  EXPECT_EQ(int64_t(rows.at(1)["requests"]), 6);
  EXPECT_EQ(int64_t(rows.at(1)["total_tokens"]), 15);
  reply.usage.clear();
  EXPECT_EQ(admin_body(reply), R"({"code":200,"message":"success","data":[]})");
}

}  // namespace
