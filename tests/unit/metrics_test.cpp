// The metrics library: exact values, exactness under concurrency, escaping, the process metrics,
// and the whole exposition checked by promtool (installed in CI: without it the test fails).
#include "metrics/exposition.hpp"
#include "metrics/gateway_metrics.hpp"
#include "metrics/process_metrics.hpp"
#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace qgate::metrics;
using namespace std::chrono_literals;

// The value of the sample whose text before the value is exactly `series`, if there is one.
std::optional<std::string> sample(const std::string& text, const std::string& series) {
  const std::string key = series + ' ';
  std::size_t begin = 0;
  if (!text.starts_with(key)) {
    const std::size_t at = text.find('\n' + key);
    if (at == std::string::npos) return std::nullopt;
    begin = at + 1;
  }
  begin += key.size();
  return text.substr(begin, text.find('\n', begin) - begin);
}

// Runs `promtool check metrics` on `text`; the error text on failure.
std::optional<std::string> promtool_problems(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    return "promtool not found: apt-get install prometheus";
  }
  char path[] = "/tmp/qgate_metrics_XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  ::close(fd);
  std::ofstream{path} << text;
  const std::string report = std::string{path} + ".out";
  const std::string command =
      "promtool check metrics < " + std::string{path} + " > " + report + " 2>&1";
  const int status = std::system(command.c_str());
  std::stringstream output;
  output << std::ifstream{report}.rdbuf();
  std::remove(path);
  std::remove(report.c_str());
  if (status == 0) return std::nullopt;
  return "promtool: " + output.str();
}

TEST(metrics, counter_counts_exactly_and_renders_help_and_type) {
  registry reg;
  auto& events = reg.counter({"test_events_total", "Events.\nSecond \\ line.", {"kind"}});
  const counter_ref a = events.with({"a"});
  for (int i = 0; i < 1000; ++i) a.inc();
  events.with({"b"}).inc(7);
  EXPECT_EQ(a.value(), 1000u);
  EXPECT_EQ(events.with({"a"}).value(), 1000u);  // the same series again
  EXPECT_EQ(reg.render(),
            "# HELP test_events_total Events.\\nSecond \\\\ line.\n"
            "# TYPE test_events_total counter\n"
            "test_events_total{kind=\"a\"} 1000\n"
            "test_events_total{kind=\"b\"} 7\n");
}

TEST(metrics, gauges_and_families_without_labels) {
  registry reg;
  const gauge_ref open = reg.gauge({"test_open", "Open things.", {}}).with({});
  open.set(5);
  open.dec();
  {
    gauge_scope held{open};
    EXPECT_EQ(open.value(), 5);
    const gauge_scope moved = std::move(held);
    EXPECT_EQ(open.value(), 5);
  }
  EXPECT_EQ(open.value(), 4);
  EXPECT_EQ(sample(reg.render(), "test_open"), "4");
}

TEST(metrics, histogram_buckets_are_cumulative_with_sum_and_count) {
  registry reg;
  auto& latency = reg.histogram({"test_latency_seconds", "Latency.", {"route"}}, {0.1, 1, 10});
  const histogram_ref h = latency.with({"chat"});
  for (const double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);  // 0.1: `le` is inclusive
  h.observe(250ms);
  h.observe(std::nan(""));  // dropped
  EXPECT_EQ(h.count(), 6u);
  EXPECT_DOUBLE_EQ(h.sum(), 55.9);
  const std::string text = reg.render();
  EXPECT_EQ(sample(text, R"(test_latency_seconds_bucket{route="chat",le="0.1"})"), "2");
  EXPECT_EQ(sample(text, R"(test_latency_seconds_bucket{route="chat",le="1"})"), "4");
  EXPECT_EQ(sample(text, R"(test_latency_seconds_bucket{route="chat",le="10"})"), "5");
  EXPECT_EQ(sample(text, R"(test_latency_seconds_bucket{route="chat",le="+Inf"})"), "6");
  EXPECT_EQ(sample(text, R"(test_latency_seconds_count{route="chat"})"), "6");
  EXPECT_EQ(std::stod(*sample(text, R"(test_latency_seconds_sum{route="chat"})")), h.sum());
  EXPECT_NE(text.find("# TYPE test_latency_seconds histogram\n"), std::string::npos);
}

TEST(metrics, concurrent_updates_sum_exactly) {
  registry reg;
  const counter_ref hits = reg.counter({"test_hits_total", "Hits.", {}}).with({});
  const histogram_ref h = reg.histogram({"test_h_seconds", "H.", {}}, {1, 2, 3}).with({});
  constexpr int threads = 8;
  constexpr int per_thread = 100'000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        hits.inc();
        h.observe(static_cast<double>((t + i) % 5));  // integers: the sum is exact in a double
      }
    });
  }
  // Scrapes racing with the updates: buckets never decrease and _count is the +Inf bucket.
  for (int scrape = 0; scrape < 50; ++scrape) {
    const std::string text = reg.render();
    std::uint64_t previous = 0;
    for (const char* le : {"1", "2", "3", "+Inf"}) {
      const std::string bucket = std::string{"test_h_seconds_bucket{le=\""} + le + "\"}";
      const std::uint64_t value = std::stoull(*sample(text, bucket));
      EXPECT_GE(value, previous) << le;
      previous = value;
    }
    EXPECT_EQ(std::stoull(*sample(text, "test_h_seconds_count")), previous);
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(hits.value(), std::uint64_t{threads} * per_thread);
  EXPECT_EQ(h.count(), std::uint64_t{threads} * per_thread);
  EXPECT_EQ(h.sum(), 2.0 * threads * per_thread);  // values 0..4 equally often: mean 2
}

TEST(metrics, hostile_label_values_are_escaped) {
  registry reg;
  auto& names = reg.counter({"test_names_total", "Names.", {"name"}});
  names.with({"a\"b"}).inc();
  names.with({"c\\d"}).inc();
  names.with({"e\nf"}).inc();
  names.with({"模型 ✓"}).inc();
  names.with({"\xff"}).inc();
  names.with({"\xfe"}).inc();  // escapes to the same text as "\xff": one series
  const std::string text = reg.render();
  EXPECT_EQ(sample(text, R"(test_names_total{name="a\"b"})"), "1");
  EXPECT_EQ(sample(text, R"(test_names_total{name="c\\d"})"), "1");
  EXPECT_EQ(sample(text, R"(test_names_total{name="e\nf"})"), "1");
  EXPECT_EQ(sample(text, "test_names_total{name=\"模型 ✓\"}"), "1");
  EXPECT_EQ(sample(text, "test_names_total{name=\"\xEF\xBF\xBD\"}"), "2");
  EXPECT_EQ(names.series_count(), 5u);
  EXPECT_EQ(promtool_problems(text), std::nullopt);
}

TEST(metrics, series_past_the_cap_share_the_overflow_series) {
  registry reg;
  auto& capped = reg.counter({"test_capped_total", "Capped.", {"tenant", "model"}, 3});
  for (const char* tenant : {"a", "b", "c", "d", "e"}) capped.with({tenant, "m"}).inc();
  capped.with({"a", "m"}).inc();  // an existing series stays itself
  const std::string text = reg.render();
  EXPECT_EQ(sample(text, R"(test_capped_total{tenant="a",model="m"})"), "2");
  EXPECT_EQ(sample(text, R"(test_capped_total{tenant="other",model="other"})"), "2");
  EXPECT_EQ(sample(text, R"(test_capped_total{tenant="d",model="m"})"), std::nullopt);
  EXPECT_EQ(capped.series_count(), 4u);
}

TEST(metrics, callback_families_sum_their_bindings_until_unbound) {
  registry reg;
  auto& depth = reg.callback({"test_depth", "Depth.", {}}, metric_type::gauge);
  EXPECT_EQ(reg.render(), "");  // nothing bound: the family is absent
  std::atomic<int> queue{3};
  auto first = depth.bind([&] { return static_cast<double>(queue.load()); });
  {
    const auto second = depth.bind([] { return 0.5; });
    EXPECT_EQ(sample(reg.render(), "test_depth"), "3.5");
  }
  queue = 4;
  EXPECT_EQ(sample(reg.render(), "test_depth"), "4");
  first.reset();
  EXPECT_EQ(reg.render(), "");
  depth.bind([] { return 1.0; }).release();  // stays bound
  EXPECT_EQ(sample(reg.render(), "test_depth"), "1");
}

TEST(metrics, default_handles_are_safe_before_wiring) {
  counter_ref{}.inc();
  gauge_ref{}.dec();
  histogram_ref{}.observe(1.0);
  EXPECT_GE(histogram_ref{}.count(), 1u);  // a sink shared by every default handle
}

TEST(metrics, numbers_and_names_follow_the_format) {
  const auto number = [](double v) {
    std::string out;
    append_number(out, v);
    return out;
  };
  EXPECT_EQ(number(0.005), "0.005");
  EXPECT_EQ(number(1), "1");
  EXPECT_EQ(number(5e-05), "5e-05");
  EXPECT_EQ(number(std::nan("")), "NaN");
  EXPECT_EQ(number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(number(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_TRUE(is_metric_name("qgate_http:rate5m"));
  EXPECT_FALSE(is_metric_name("1abc"));
  EXPECT_FALSE(is_metric_name("a-b"));
  EXPECT_TRUE(is_label_name("route"));
  EXPECT_FALSE(is_label_name("__name__"));
  EXPECT_FALSE(is_label_name("a:b"));
}

TEST(metrics, proc_stat_parsing_survives_hostile_command_names) {
  const std::string line =
      "42 (a) (b c) S 1 42 42 0 -1 4194560 100 0 0 0 "
      "250 75 0 0 20 0 4 0 123456 987654321 2048 18446744073709551615 1 1 0 0 0 0 0 0 0";
  const auto stat = parse_proc_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 75u);
  EXPECT_EQ(stat->start_ticks, 123456u);
  EXPECT_EQ(stat->virtual_bytes, 987654321u);
  EXPECT_EQ(stat->resident_pages, 2048u);
  EXPECT_FALSE(parse_proc_stat("42 (truncated) S 1 2"));
  EXPECT_EQ(parse_boot_time("cpu 1 2 3\nbtime 1700000000\nprocesses 9\n"), 1700000000u);
  EXPECT_FALSE(parse_boot_time("cpu 1 2 3\n"));
}

TEST(metrics, process_metrics_are_present_and_plausible) {
  registry reg;
  const gateway_metrics gm{reg};
  const std::string text = reg.render();
  const auto number = [&](const char* name) { return std::stod(sample(text, name).value()); };
  EXPECT_GT(number("process_resident_memory_bytes"), 0);
  EXPECT_GE(number("process_virtual_memory_bytes"), number("process_resident_memory_bytes"));
  EXPECT_GT(number("process_open_fds"), 0);
  EXPECT_GE(number("process_max_fds"), number("process_open_fds"));
  EXPECT_GE(number("process_cpu_seconds_total"), 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(number("process_start_time_seconds"), now, 120);  // this test's process
}

TEST(metrics, gateway_families_count_and_pass_promtool) {
  registry reg;
  gateway_metrics gm{reg};
  route_metrics& chat = gm.route("chat");
  EXPECT_EQ(&chat, &gm.route("chat"));
  for (int i = 0; i < 3; ++i) chat.requests(200).inc();
  chat.requests(429).inc();
  chat.requests(1000).inc();  // not a status: "other"
  chat.duration.observe(1.5);
  chat.overhead.observe(40us);
  const request_metrics request = gm.request("acme", "qwen-max");
  request.input_tokens.inc(120);
  request.output_tokens.inc(30);
  request.ttft.observe(0.4);
  request.inter_chunk.observe(0.02);
  const provider_metrics dashscope = gm.provider("dashscope");
  dashscope.calls(outcome_for_status(200)).inc();
  dashscope.attempts.inc(2);
  gm.rate_limited(known_or("ghost\"tenant\n", true, no_tenant), limit_kind::tpm).inc();
  gm.rate_limited(known_or("not-in-catalog", false, no_tenant), limit_kind::rpm).inc();
  const gauge_scope connection{gm.open_connections()};
  gm.open_streams().inc();
  auto depth = gm.ledger_queue_depth().bind([] { return 12.0; });
  auto failures = gm.ledger_write_failures().bind([] { return 2.0; });

  const std::string text = gm.render();
  EXPECT_EQ(sample(text, R"(qgate_http_requests_total{route="chat",status="200"})"), "3");
  EXPECT_EQ(sample(text, R"(qgate_http_requests_total{route="chat",status="429"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_http_requests_total{route="chat",status="other"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_http_request_duration_seconds_count{route="chat"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_overhead_seconds_bucket{route="chat",le="5e-05"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_tokens_total{tenant="acme",model="qwen-max",direction="input"})"),
            "120");
  EXPECT_EQ(sample(text, R"(qgate_ttft_seconds_bucket{model="qwen-max",le="0.5"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_upstream_calls_total{provider="dashscope",outcome="ok"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_upstream_calls_total{provider="dashscope",outcome="timeout"})"),
            "0");
  EXPECT_EQ(sample(text, R"(qgate_upstream_attempts_total{provider="dashscope"})"), "2");
  EXPECT_EQ(sample(text, R"(qgate_rate_limited_total{tenant="ghost\"tenant\n",limit="tpm"})"), "1");
  EXPECT_EQ(sample(text, R"(qgate_rate_limited_total{tenant="anonymous",limit="rpm"})"), "1");
  EXPECT_EQ(sample(text, "qgate_open_connections"), "1");
  EXPECT_EQ(sample(text, "qgate_open_streams"), "1");
  EXPECT_EQ(sample(text, "qgate_ledger_queue_depth"), "12");
  EXPECT_EQ(sample(text, "qgate_ledger_write_failures_total"), "2");
  EXPECT_EQ(text.find("qgate_ledger_spilled_rows"), std::string::npos);  // not bound
  EXPECT_EQ(promtool_problems(text), std::nullopt);
}

TEST(metrics, rendering_is_stable) {
  registry reg;
  auto& f = reg.counter({"test_order_total", "Order.", {"k"}});
  for (const char* k : {"zeta", "alpha", "mu"}) f.with({k}).inc();
  const std::string first = reg.render();
  EXPECT_EQ(first, reg.render());
  EXPECT_LT(first.find("alpha"), first.find("mu"));
  EXPECT_LT(first.find("mu"), first.find("zeta"));
}

TEST(metrics, promtool_rejects_a_broken_exposition) {  // the check above can fail
  EXPECT_NE(promtool_problems("# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"b} 1\n"),
            std::nullopt);
}

}  // namespace
