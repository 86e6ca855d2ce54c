#include "actors/runtime.hpp"

#include "actors/catalog_actor.hpp"
#include "actors/chat_session.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/usage_ledger.hpp"
#include "catalog/model_store.hpp"
#include "messages/actor_protocol.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>

#include <functional>
#include <thread>

namespace qgate::actors {
namespace {

// Cancels on destruction too, so a connection that disappears never leaves a session behind.
class session_call final : public chat_call {
 public:
  explicit session_call(caf::actor session) : session_(std::move(session)) {}
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
  caf::actor session_;
};

upstream::transfer_limits limits_of(const config::upstream_settings& upstream, bool stream) {
  upstream::transfer_limits limits;
  limits.connect_timeout = std::chrono::milliseconds(upstream.connect_timeout_ms);
  limits.first_byte_timeout = std::chrono::milliseconds(upstream.first_byte_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(upstream.idle_timeout_ms);
  // Streams get idle timeouts only: a long answer is not a slow one.
  limits.total_timeout = std::chrono::milliseconds(stream ? 0 : upstream.total_timeout_ms);
  return limits;
}

// Runs a function when destroyed: places a step at one point of parts' member destruction.
struct at_destruction {
  std::function<void()> run;
  ~at_destruction() {
    if (run) run();
  }
};

// Open mode is only safe where nobody else can connect.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

// Declaration order is destruction order in reverse: handles go before the system that owns them,
// and the curl driver outlives every actor that may still call it.
struct runtime::parts {
  caf::actor_system_config config;
  // TEMPORARY, until the gateway runs one io_context per core: one Asio thread of its own for the
  // curl driver. Stopped and joined once the actor system ended (sessions may still be finishing
  // their transfers until then) and before the driver goes; the io_context outlives the driver.
  boost::asio::io_context upstream_io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> upstream_work =
      boost::asio::make_work_guard(upstream_io);
  std::thread upstream_thread;
  std::shared_ptr<upstream::curl_driver> driver;
  at_destruction stop_upstream_thread{[this] {
    upstream_work.reset();
    // After what is queued already (cancels from the last sessions): handlers run in post order.
    boost::asio::post(upstream_io, [this] { upstream_io.stop(); });
    if (upstream_thread.joinable()) upstream_thread.join();
  }};
  std::unique_ptr<caf::actor_system> system;
  caf::actor catalog;
  caf::actor loader;
  caf::actor limiter;
  caf::actor ledger;
  std::shared_ptr<ledger_counters> ledger_stats = std::make_shared<ledger_counters>();
  std::shared_ptr<const session_context> context;
};

runtime::runtime(std::unique_ptr<parts> p) : parts_(std::move(p)) {}

runtime::~runtime() { shutdown(); }

result<std::unique_ptr<runtime>> runtime::start(const config::settings& settings,
                                                bool allow_anonymous) {
  auto store = catalog::model_store::open(settings.catalog.path, settings.catalog.seed);
  if (!store) return store.error();
  auto snapshot = read_snapshot(store.value());
  if (!snapshot) return snapshot.error();
  if (snapshot.value().tenants->empty() && !is_loopback(settings.server.host) && !allow_anonymous) {
    return make_error(errc::unauthorized,
                      "no tenant exists and " + settings.server.host +
                          " is not a loopback address: anyone could spend the DashScope quota. "
                          "Create a tenant (qgate tenant add NAME) or pass --allow-anonymous.");
  }

  auto p = std::make_unique<parts>();
  p->config.set("scheduler.max-threads", static_cast<std::size_t>(settings.actors.threads));
  // A worker out of work spins briefly, then sleeps on its condition variable, which a message
  // from the I/O or curl thread signals at once. CAF's middle phase (500 polls 50 µs apart) would
  // make each such message wait for the next poll: it doubled the latency of a short request.
  p->config.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  upstream::driver_options driver_options;
  driver_options.max_connections = settings.upstream.max_connections;
  p->driver = std::make_shared<upstream::curl_driver>(p->upstream_io, driver_options);
  p->upstream_thread = std::thread([io = &p->upstream_io] { io->run(); });  // TEMPORARY, see parts
  p->system = std::make_unique<caf::actor_system>(p->config);
  ledger_options ledger;
  ledger.database_path = settings.catalog.path;
  ledger.flush_interval = std::chrono::milliseconds(settings.limits.ledger_flush_ms);
  ledger.max_buffered_rows = settings.limits.ledger_max_buffered_rows;
  p->ledger = spawn_usage_ledger(*p->system, std::move(ledger), p->ledger_stats);
  p->limiter = spawn_rate_limiter(*p->system, settings.limits.model_max_concurrency);
  p->catalog = spawn_catalog(*p->system, std::move(snapshot).value(), p->ledger);
  p->loader = spawn_catalog_loader(*p->system, std::move(store).value(), p->catalog,
                                   std::chrono::milliseconds(settings.catalog.reload_interval_ms));

  auto context = std::make_shared<session_context>();
  context->catalog = p->catalog;
  context->limiter = p->limiter;
  context->ledger = p->ledger;
  context->driver = p->driver;
  context->base_url = settings.upstream.base_url;
  context->api_key = settings.upstream.api_key;
  context->stream_limits = limits_of(settings.upstream, true);
  context->unary_limits = limits_of(settings.upstream, false);
  context->queue_high_water = settings.server.stream_queue_bytes;
  p->context = std::move(context);
  return std::unique_ptr<runtime>(new runtime(std::move(p)));
}

void runtime::list_models(std::string api_key, response_sink_ptr sink) {
  caf::anon_send(parts_->catalog, models_atom::value, std::move(api_key), std::move(sink));
}

std::unique_ptr<chat_call> runtime::start_chat(chat_request request, response_sink_ptr sink) {
  auto session =
      spawn_chat_session(*parts_->system, parts_->context, std::move(request), std::move(sink));
  return std::make_unique<session_call>(std::move(session));
}

void runtime::usage(std::string api_key, std::string from_day, std::string to_day,
                    response_sink_ptr sink) {
  caf::anon_send(parts_->catalog, usage_atom::value, std::move(api_key), std::move(from_day),
                 std::move(to_day), std::move(sink));
}

void runtime::reload_catalog() { caf::anon_send(parts_->loader, reload_atom::value); }

gateway_stats runtime::stats() const {
  gateway_stats stats;
  // The catalog and its loader are always running; the rest are sessions and upstream calls.
  stats.running_actors = parts_->system->registry().running();
  stats.upstream_transfers = parts_->driver->active_transfers();
  stats.upstream_pauses = parts_->driver->pauses();
  const auto& ledger = *parts_->ledger_stats;
  stats.ledger_buffered_rows = ledger.buffered_rows.load();
  stats.ledger_written_rows = ledger.written_rows.load();
  stats.ledger_dropped_rows = ledger.dropped_rows.load();
  stats.ledger_write_failures = ledger.write_failures.load();
  return stats;
}

void runtime::shutdown() {
  if (!parts_ || !parts_->loader) return;
  caf::anon_send_exit(parts_->loader, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(parts_->catalog, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(parts_->limiter, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(parts_->ledger, caf::exit_reason::user_shutdown);  // flushes first
  parts_->loader = nullptr;
}

}  // namespace qgate::actors
