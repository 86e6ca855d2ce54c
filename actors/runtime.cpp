#include "actors/runtime.hpp"

#include "actors/admin_actor.hpp"
#include "actors/admin_gate.hpp"
#include "actors/catalog_actor.hpp"
#include "actors/chat_session.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/usage_ledger.hpp"
#include "catalog/store.hpp"
#include "config/loader.hpp"
#include "messages/actor_protocol.hpp"
#include "redis/shared_limits.hpp"
#include "redis/url.hpp"
#include "scheduler/io_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

namespace qgate::actors {
namespace {

// Cancels on destruction too, so a connection that disappears never leaves a session behind.
class session_call final : public chat_call {
 public:
  explicit session_call(session_actor session) : session_(std::move(session)) {}
  ~session_call() override { cancel(); }
  void cancel() noexcept override {
    if (session_) caf::anon_send_exit(session_, caf::exit_reason::user_shutdown);
    session_ = nullptr;
  }
  // The session handles it like an upstream failure: settle, answer, end.
  void fail(error reason) noexcept override {
    if (session_) caf::anon_send(session_, end_atom::value, std::move(reason));
  }

 private:
  session_actor session_;
};

template <class Timeouts>
upstream::transfer_limits limits_of(const Timeouts& upstream, bool stream) {
  upstream::transfer_limits limits;
  limits.connect_timeout = std::chrono::milliseconds(upstream.connect_timeout_ms);
  limits.first_byte_timeout = std::chrono::milliseconds(upstream.first_byte_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(upstream.idle_timeout_ms);
  // Streams get idle timeouts only: a long answer is not a slow one.
  limits.total_timeout = std::chrono::milliseconds(stream ? 0 : upstream.total_timeout_ms);
  return limits;
}

// The DashScope upstream of [upstream] first, then each [[providers]] entry, each with its own key
// pool (a server without keys gets one empty key: its calls carry no Authorization).
std::shared_ptr<const provider_table> build_providers(const config::settings& settings) {
  upstream::pool_policy policy;
  policy.cooldown_base = std::chrono::milliseconds(settings.upstream.key_cooldown_ms);
  policy.cooldown_max = std::chrono::milliseconds(settings.upstream.key_cooldown_max_ms);
  policy.breaker_failures = settings.upstream.breaker_failures;
  policy.breaker_open = std::chrono::milliseconds(settings.upstream.breaker_open_ms);
  std::random_device seed;
  const auto pool_of = [&](const std::vector<config::weighted_item>& items, bool may_be_empty) {
    std::vector<upstream::key_entry> keys;
    for (const auto& item : items) keys.push_back({item.value, item.weight});
    if (keys.empty() && may_be_empty) keys.push_back({"", 1});
    return std::make_shared<upstream::key_pool>(std::move(keys), policy, seed());
  };
  auto table = std::make_shared<provider_table>();
  auto dashscope = std::make_shared<upstream_provider>();
  dashscope->name = "dashscope";
  dashscope->base_url = settings.upstream.base_url;
  dashscope->keys = pool_of(settings.upstream.keys, false);
  dashscope->stream_limits = limits_of(settings.upstream, true);
  dashscope->unary_limits = limits_of(settings.upstream, false);
  dashscope->meter = metrics::gateway().provider(dashscope->name);
  table->all.push_back(std::move(dashscope));
  for (const auto& p : settings.providers) {
    auto provider = std::make_shared<upstream_provider>();
    provider->name = p.name;
    provider->kind =
        p.kind == "openai" ? upstream::provider_kind::openai : upstream::provider_kind::dashscope;
    provider->base_url = p.base_url;
    provider->keys = pool_of(p.keys, true);
    auto timeouts = settings.upstream;  // [upstream]'s, unless the provider sets its own
    timeouts.connect_timeout_ms = p.connect_timeout_ms.value_or(timeouts.connect_timeout_ms);
    timeouts.first_byte_timeout_ms =
        p.first_byte_timeout_ms.value_or(timeouts.first_byte_timeout_ms);
    timeouts.idle_timeout_ms = p.idle_timeout_ms.value_or(timeouts.idle_timeout_ms);
    timeouts.total_timeout_ms = p.total_timeout_ms.value_or(timeouts.total_timeout_ms);
    provider->stream_limits = limits_of(timeouts, true);
    provider->unary_limits = limits_of(timeouts, false);
    provider->meter = metrics::gateway().provider(provider->name);
    for (const auto& model : p.models) table->by_model[model] = table->all.size();
    table->all.push_back(std::move(provider));
  }
  return table;
}

// The fleet's limits for io thread `k` (called on it): connecting starts, Redis may come later.
std::shared_ptr<redis::shared_limits> connect_redis(const config::limits_settings& limits,
                                                    boost::asio::io_context& io, std::size_t k) {
  redis::options options;
  options.url = limits.redis_url;
  options.timeout = std::chrono::milliseconds(limits.redis_timeout_ms);
  options.slot_ttl = std::chrono::milliseconds(limits.redis_slot_ttl_ms);
  options.model_max_concurrency = limits.model_max_concurrency;
  auto created = redis::shared_limits::create(io, std::move(options));
  if (created) return std::move(created).value();
  spdlog::error("limits.redis_url: {}: io thread {} limits on its own", created.error().detail, k);
  return nullptr;
}

// Open mode is only safe where nobody else can connect.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

// Declaration order is destruction order in reverse: the actor system ends first (its actors may
// still use the drivers), then each io thread's curl driver goes on its own thread.
struct runtime::parts {
  explicit parts(loop::io_pool& io) : pool(io), config(io) {}
  ~parts() {
    // A detached actor's thread ends only with its last handle, and the system waits for it.
    gate.reset();
    admin = nullptr;
    system.reset();  // waits for every actor, with the io threads still running
    pool.run_on_each([this](std::size_t k) {
      drivers[k].reset();
      redis[k].reset();
    });
  }
  parts(const parts&) = delete;
  parts& operator=(const parts&) = delete;

  loop::io_pool& pool;
  scheduler::io_system_config config;
  std::vector<std::shared_ptr<upstream::curl_driver>> drivers;  // one per io thread
  // One Redis connection per io thread when limits are shared (nullptr: in-process limits).
  std::vector<std::shared_ptr<redis::shared_limits>> redis;
  std::unique_ptr<caf::actor_system> system;
  std::vector<catalog_actor> catalogs;  // one per io thread, each with the same snapshot
  std::vector<limiter_actor> limiters;  // one per io thread, over one shared_rate_limits
  loader_actor loader;
  ledger_actor ledger;
  admin_actor admin;                 // with admin.key only, as is the gate
  std::unique_ptr<admin_gate> gate;  // the admin API's key check, on the io threads
  std::shared_ptr<ledger_counters> ledger_stats = std::make_shared<ledger_counters>();
  // The ledger's counters as metrics, read at scrape time (unbound before the counters go).
  std::vector<metrics::callback_registration> ledger_metrics;
  // The catalog loader's view of its store (/readyz).
  std::shared_ptr<std::atomic<bool>> catalog_reachable = std::make_shared<std::atomic<bool>>(true);
  // One per io thread: a session uses its own thread's catalog and curl driver.
  std::vector<std::shared_ptr<const session_context>> contexts;
  std::shared_ptr<const provider_table> providers;
  std::shared_ptr<upstream::retry_budget> retries;

  [[nodiscard]] std::size_t here() const { return pool.current().value_or(0); }
};

runtime::runtime(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

runtime::~runtime() { shutdown(); }

result<std::unique_ptr<runtime>> runtime::start(const config::settings& settings,
                                                loop::io_pool& pool, bool allow_anonymous) {
  catalog::store_options store_options{settings.catalog.path, settings.catalog.postgres_url,
                                       settings.catalog.seed};
  auto store = catalog::open_store(store_options);
  if (!store && !settings.catalog.postgres_url.empty()) {
    return make_error(errc::unavailable,
                      "catalog.postgres_url (" +
                          config::without_password(settings.catalog.postgres_url) +
                          "): " + store.error().detail);
  }
  if (!store) return store.error();
  auto snapshot = read_snapshot(*store.value());
  if (!snapshot) return snapshot.error();
  if (snapshot.value().tenants->empty() && !is_loopback(settings.server.host) && !allow_anonymous) {
    return make_error(errc::unauthorized,
                      "no tenant exists and " + settings.server.host +
                          " is not a loopback address: anyone could spend the DashScope quota. "
                          "Create a tenant (qgate tenant add NAME) or pass --allow-anonymous.");
  }

  if (const auto& url = settings.limits.redis_url; !url.empty()) {
    if (auto endpoint = redis::parse_url(url); !endpoint) {
      return make_error(errc::unavailable, "limits.redis_url (" + config::without_password(url) +
                                               "): " + endpoint.error().detail);
    }
  }

  auto p = std::make_unique<parts>(pool);
  upstream::driver_options driver_options;
  driver_options.max_connections = settings.upstream.max_connections;
  driver_options.max_idle_connections = settings.upstream.max_idle_connections;
  for (std::size_t k = 0; k < pool.size(); ++k) {
    p->drivers.push_back(std::make_shared<upstream::curl_driver>(pool.context(k), driver_options));
  }
  p->system = std::make_unique<caf::actor_system>(p->config);
  auto& system = *p->system;
  ledger_options ledger;
  ledger.store = store_options;
  ledger.spill_path = settings.limits.ledger_spill_path;
  ledger.flush_interval = std::chrono::milliseconds(settings.limits.ledger_flush_ms);
  ledger.max_buffered_rows = settings.limits.ledger_max_buffered_rows;
  // An actor stays on the thread that first ran it, and one spawned from an io thread starts there:
  // each io thread gets its own catalog and limiter, so a request needs no other thread. The
  // ledger is one actor on the first thread (rows reach it one way, batched by the loop).
  pool.run_on(0,
              [&] { p->ledger = spawn_usage_ledger(system, std::move(ledger), p->ledger_stats); });
  auto& meters = metrics::gateway();
  const auto read = [counters =
                         p->ledger_stats](std::atomic<std::uint64_t> ledger_counters::*field) {
    return [counters, field] { return static_cast<double>(((*counters).*field).load()); };
  };
  p->ledger_metrics.push_back(
      meters.ledger_queue_depth().bind(read(&ledger_counters::buffered_rows)));
  p->ledger_metrics.push_back(
      meters.ledger_spilled_rows().bind(read(&ledger_counters::spilled_rows)));
  p->ledger_metrics.push_back(
      meters.ledger_write_failures().bind(read(&ledger_counters::write_failures)));
  p->ledger_metrics.push_back(
      meters.ledger_dropped_rows().bind(read(&ledger_counters::dropped_rows)));
  // In-process limits, and with limits.redis_url the fleet's in Redis (these then only while Redis
  // does not answer in time).
  auto limits = std::make_shared<shared_rate_limits>(settings.limits.model_max_concurrency);
  p->catalogs.resize(pool.size());
  p->limiters.resize(pool.size());
  p->redis.resize(pool.size());
  pool.run_on_each([&](std::size_t k) {
    p->catalogs[k] = spawn_catalog(system, snapshot.value(), p->ledger);
    if (!settings.limits.redis_url.empty())
      p->redis[k] = connect_redis(settings.limits, pool.context(k), k);
    p->limiters[k] = spawn_rate_limiter(system, limits, p->redis[k]);  // nullptr: in-process
  });
  p->loader = spawn_catalog_loader(system, std::move(store).value(), p->catalogs,
                                   std::chrono::milliseconds(settings.catalog.reload_interval_ms),
                                   p->catalog_reachable);
  if (!settings.admin.key.empty()) {
    p->admin = spawn_admin(system, store_options, p->loader, p->ledger);
    p->gate = std::make_unique<admin_gate>(settings.admin.key, p->admin, p->catalogs, pool);
  }

  // One key pool per upstream and one retry budget for the whole gateway: what one io thread
  // learns of a key (a 429, a 401) every thread uses at once.
  p->providers = build_providers(settings);
  p->retries = std::make_shared<upstream::retry_budget>(
      settings.upstream.retry_budget_percent / 100.0, settings.upstream.retry_reserve);
  auto fallbacks = std::make_shared<const config::fallback_chains>(settings.upstream.fallbacks);
  for (std::size_t k = 0; k < pool.size(); ++k) {
    auto context = std::make_shared<session_context>();
    context->catalog = p->catalogs[k];
    context->limiter = p->limiters[k];
    context->ledger = p->ledger;
    context->driver = p->drivers[k];
    context->providers = p->providers;
    context->retries = p->retries;
    context->max_retries = settings.upstream.max_retries;
    context->retry_deadline = std::chrono::milliseconds(settings.upstream.retry_deadline_ms);
    context->retry_backoff = std::chrono::milliseconds(settings.upstream.retry_backoff_ms);
    context->retry_wait_max = std::chrono::milliseconds(settings.upstream.retry_wait_max_ms);
    context->fallbacks = fallbacks;
    context->queue_high_water = settings.server.stream_queue_bytes;
    p->contexts.push_back(std::move(context));
  }
  return std::unique_ptr<runtime>(new runtime(std::move(p)));
}

void runtime::list_models(std::string api_key, response_sink_ptr sink) {
  caf::anon_send(parts_->catalogs[parts_->here()], models_atom::value, std::move(api_key),
                 std::move(sink));
}

std::unique_ptr<chat_call> runtime::start_chat(chat_request request, response_sink_ptr sink) {
  // Called from a connection's handler: the session starts (and stays) on that io thread.
  auto session = spawn_chat_session(*parts_->system, parts_->contexts[parts_->here()],
                                    std::move(request), std::move(sink));
  return std::make_unique<session_call>(std::move(session));
}

void runtime::usage(std::string api_key, std::string from_day, std::string to_day,
                    response_sink_ptr sink) {
  caf::anon_send(parts_->catalogs[parts_->here()], usage_atom::value, std::move(api_key),
                 std::move(from_day), std::move(to_day), std::move(sink));
}

admin_backend* runtime::admin() { return parts_->gate.get(); }

void runtime::reload_catalog() {
  caf::anon_send(parts_->loader, reload_atom::value);
  // The operator may have fixed the account.
  for (const auto& provider : parts_->providers->all) provider->keys->restore_rejected();
}

gateway_stats runtime::stats() const {
  gateway_stats stats;
  // The catalog and its loader are always running; the rest are sessions and upstream calls.
  stats.running_actors = parts_->system->registry().running();
  stats.io_threads = parts_->pool.size();
  stats.cross_thread_wakeups =
      static_cast<const scheduler::io_scheduler&>(parts_->system->scheduler())
          .cross_thread_wakeups();
  for (const auto& driver : parts_->drivers) {
    stats.upstream_transfers += driver->active_transfers();
    stats.upstream_pauses += driver->pauses();
  }
  const auto& ledger = *parts_->ledger_stats;
  stats.ledger_buffered_rows = ledger.buffered_rows.load();
  stats.ledger_written_rows = ledger.written_rows.load();
  stats.ledger_spilled_rows = ledger.spilled_rows.load();
  stats.ledger_dropped_rows = ledger.dropped_rows.load();
  stats.ledger_write_failures = ledger.write_failures.load();
  const auto now = std::chrono::steady_clock::now();
  for (const auto& provider : parts_->providers->all) {
    for (const auto& key : provider->keys->status(now)) {
      stats.upstream_keys.push_back({provider->name, key.fingerprint, key.weight,
                                     std::string(key.state), key.ms_left, key.successes,
                                     key.failures});
    }
  }
  stats.retry_budget = parts_->retries->balance();
  stats.catalog_reachable = parts_->catalog_reachable->load();
  const auto& redis = parts_->redis;
  stats.limits_reachable =
      std::all_of(redis.begin(), redis.end(), [](const auto& r) { return r == nullptr; }) ||
      std::any_of(redis.begin(), redis.end(), [](const auto& r) { return r && r->connected(); });
  return stats;
}

void runtime::shutdown() {
  if (!parts_ || !parts_->loader) return;
  caf::anon_send_exit(parts_->loader, caf::exit_reason::user_shutdown);
  if (parts_->admin) caf::anon_send_exit(parts_->admin, caf::exit_reason::user_shutdown);
  for (const auto& catalog : parts_->catalogs) {
    caf::anon_send_exit(catalog, caf::exit_reason::user_shutdown);
  }
  for (const auto& limiter : parts_->limiters) {
    caf::anon_send_exit(limiter, caf::exit_reason::user_shutdown);
  }
  caf::anon_send_exit(parts_->ledger, caf::exit_reason::user_shutdown);  // flushes first
  parts_->loader = nullptr;
}

}  // namespace qgate::actors
