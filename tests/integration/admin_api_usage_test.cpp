// The admin API's usage report after known traffic (exact counts, per tenant, day and model),
// hostile tenant names and models read back, and the API over a PostgreSQL catalog shared by two
// instances.
#include "tests/integration/admin_client.hpp"
#include "tests/support/engines.hpp"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

gateway_options admin_options(std::map<std::string, std::string> env = {}) {
  gateway_options options;
  options.env = {{"QGATE_ADMIN_KEY", admin_key}, {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "3600000"}};
  for (auto& [key, value] : env) options.env[key] = value;
  return options;
}

struct sent {
  std::int64_t requests = 0, input = 0, output = 0, total = 0;
};

// Sends a chat as `key` and adds what the answer says it used to `sums`.
void chat(const gateway& qgate, const std::string& key, const std::string& model,
          std::map<std::pair<std::string, std::string>, sent>& sums, const std::string& tenant) {
  const auto r =
      http_request("POST", qgate.url("/api/llm/chat"), chat_body(model, "count me", false),
                   {"Content-Type: application/json", "Authorization: Bearer " + key});
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser parser;
  const auto usage = parser.parse(r.body)["data"]["usage"];
  auto& s = sums[{tenant, model}];
  ++s.requests;
  s.input += int64_t(usage["input_tokens"]);
  s.output += int64_t(usage["output_tokens"]);
  s.total += int64_t(usage["total_tokens"]);
}

// The report's rows summed per tenant and model (a run across midnight spans two days).
std::map<std::pair<std::string, std::string>, sent> report(admin_client& admin,
                                                           const std::string& query) {
  std::map<std::pair<std::string, std::string>, sent> sums;
  const auto rows =
      admin.data("GET", "/admin/usage?from=" + utc_day(-1) + "&to=" + utc_day(1) + query);
  for (auto row : rows.get_array()) {
    auto& s = sums[{std::string(std::string_view(row["tenant"])),
                    std::string(std::string_view(row["model"]))}];
    s.requests += int64_t(row["requests"]);
    s.input += int64_t(row["input_tokens"]);
    s.output += int64_t(row["output_tokens"]);
    s.total += int64_t(row["total_tokens"]);
  }
  return sums;
}

void expect_same(const std::map<std::pair<std::string, std::string>, sent>& actual,
                 const std::map<std::pair<std::string, std::string>, sent>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [key, want] : expected) {
    ASSERT_TRUE(actual.count(key)) << key.first << " " << key.second;
    const auto& got = actual.at(key);
    EXPECT_EQ(std::tie(got.requests, got.input, got.output, got.total),
              std::tie(want.requests, want.input, want.output, want.total))
        << key.first << " " << key.second;
  }
}

TEST(admin_usage, counts_every_call_exactly) {
  mock_upstream upstream({"--chunks", "2"});
  // The ledger writes every 10 s here: only the report's own flush can make the counts exact.
  gateway qgate(upstream.base_url(), admin_options({{"QGATE_LIMITS_LEDGER_FLUSH_MS", "10000"}}));
  admin_client admin(qgate);
  const auto a = admin.create("team-a");
  const auto b = admin.create("team-b");
  std::map<std::pair<std::string, std::string>, sent> sums;
  for (int i = 0; i < 3; ++i) chat(qgate, a, "qwen-turbo", sums, "team-a");
  chat(qgate, a, "qwen-plus", sums, "team-a");
  for (int i = 0; i < 2; ++i) chat(qgate, b, "qwen-turbo", sums, "team-b");
  expect_same(report(admin, ""), sums);
  auto only_b = sums;
  only_b.erase({"team-a", "qwen-turbo"});
  only_b.erase({"team-a", "qwen-plus"});
  expect_same(report(admin, "&tenant=team-b"), only_b);
  EXPECT_TRUE(report(admin, "&tenant=nobody").empty());

  // The tenant list shows today's totals (from the same ledger).
  const auto list = admin.data("GET", "/admin/tenants");
  std::int64_t requests = 0;
  for (auto tenant : list.get_array()) requests += int64_t(tenant["today"]["requests"]);
  EXPECT_EQ(requests, 6);
  EXPECT_EQ(std::string_view(list.at(0)["today"]["day"]), utc_day());
}

TEST(admin_names, hostile_names_and_models_read_back) {
  mock_upstream upstream({"--chunks", "2"});
  gateway qgate(upstream.base_url(), admin_options());
  admin_client admin(qgate);
  const std::vector<std::string> names = {"o'brien \"quoted\" back\\slash",
                                          "</script><script>alert(1)</script>", "a/b?c=d&e%20f+g#h",
                                          "テナント ✓ 🚀", "{\"json\":[1]}"};
  const std::string models_json = R"(["qwen\"turbo","a\\b","模型 🚀","qwen-turbo"])";
  for (const auto& name : names)
    ASSERT_FALSE(admin.create(name, R"("models":)" + models_json).empty());
  const auto list = admin.data("GET", "/admin/tenants");
  ASSERT_EQ(list.get_array().size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(std::string_view(list.at(i)["name"]), names[i]);
    EXPECT_EQ(std::string_view(list.at(i)["models"].at(0)), "qwen\"turbo");
    EXPECT_EQ(std::string_view(list.at(i)["models"].at(1)), "a\\b");
    EXPECT_EQ(std::string_view(list.at(i)["models"].at(2)), "模型 🚀");
  }
  for (const auto& name : names) {
    const auto one = admin.data("GET", "/admin/tenants/" + url_encoded(name));
    EXPECT_EQ(std::string_view(one["name"]), name);
    const auto patched =
        admin.data("PATCH", "/admin/tenants/" + url_encoded(name), R"({"max_streams":2})");
    EXPECT_EQ(int64_t(patched["max_streams"]), 2);
    admin.data("GET", "/admin/usage?from=" + utc_day() + "&tenant=" + url_encoded(name));
  }
  // A duplicate's message names it, and still parses.
  const auto duplicate =
      admin.call("POST", "/admin/tenants", R"({"name":)" + json_string(names[0]) + "}");
  expect_error_envelope(duplicate.status, duplicate.body, 409, "CONFLICT",
                        "资源冲突:a tenant named " + names[0] + " already exists");
}

// The catalog in PostgreSQL, two instances: a tenant made on one works on the other as soon as
// the notification arrives; the other's answers agree, duplicates are the same 409.
TEST(admin_fleet, postgres_catalog_shared_by_two_instances) {
  postgres_cluster postgres;
  ASSERT_TRUE(postgres.ok()) << "PostgreSQL 15 did not start";
  const auto url = postgres.create_database();
  ASSERT_FALSE(url.empty());
  mock_upstream upstream({"--chunks", "2"});
  const auto options = admin_options(
      {{"QGATE_CATALOG_POSTGRES_URL", url}, {"QGATE_CATALOG_RELOAD_INTERVAL_MS", "100"}});
  gateway first(upstream.base_url(), options);
  gateway second(upstream.base_url(), options);
  admin_client on_first(first);
  admin_client on_second(second);
  const auto key = on_first.create("fleet-a", R"("rpm":100)");
  EXPECT_EQ(chat_status(first, key), 200) << "at once where it was made";
  EXPECT_TRUE(eventually([&] { return chat_status(second, key) == 200; }, 5s));
  const auto duplicate = on_second.call("POST", "/admin/tenants", R"({"name":"fleet-a"})");
  EXPECT_EQ(duplicate.status, 409) << duplicate.body;
  on_second.data("PATCH", "/admin/tenants/fleet-a", R"({"enabled":false})");
  EXPECT_EQ(chat_status(second, key), 401);
  EXPECT_TRUE(eventually([&] { return chat_status(first, key) == 401; }, 5s));
  // Both instances' rows, the second's once its ledger writes them (within a second).
  EXPECT_TRUE(eventually(
      [&] {
        const auto rows =
            on_first.data("GET", "/admin/usage?from=" + utc_day(-1) + "&to=" + utc_day(1));
        std::int64_t requests = 0;
        for (auto row : rows.get_array()) requests += int64_t(row["requests"]);
        return requests >= 2;
      },
      5s));
}

}  // namespace
}  // namespace qgate::testing
