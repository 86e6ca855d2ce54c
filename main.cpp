// qgate: wires configuration, the actor runtime and the HTTP server; handles signals.
#include "actors/runtime.hpp"
#include "config/cli.hpp"
#include "config/loader.hpp"
#include "config/logging.hpp"
#include "http/server.hpp"
#include "tools/admin/tenant_command.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string_view>
#include <thread>

namespace {

qgate::http::server_options server_options_of(const qgate::config::settings& settings) {
  const auto& server = settings.server;
  qgate::http::server_options options;
  options.host = server.host;
  options.port = server.port;
  options.max_body_bytes = server.max_body_bytes;
  options.max_header_bytes = server.max_header_bytes;
  options.header_timeout = std::chrono::milliseconds(server.header_timeout_ms);
  options.keepalive_timeout = std::chrono::milliseconds(server.keepalive_timeout_ms);
  options.write_timeout = std::chrono::milliseconds(server.write_timeout_ms);
  options.sse_ping_interval = std::chrono::milliseconds(server.sse_ping_ms);
  options.stream_queue_bytes = server.stream_queue_bytes;
  options.max_connections = static_cast<std::size_t>(server.max_connections);
  options.access_log = settings.log.access;
  using access = qgate::http::server_options::metrics_access;
  options.metrics = settings.metrics.access == "open"        ? access::open
                    : settings.metrics.access == "admin_key" ? access::admin_key
                                                             : access::loopback;
  options.admin_key = settings.admin.key;
  options.unready_delay = std::chrono::milliseconds(server.unready_delay_ms);
  options.cors = qgate::http::cors_policy(settings.cors.allow_origins);
  return options;
}

// Connections over the descriptor limit are refused like those over server.max_connections; a
// limit below the cap is worth knowing before it happens.
void warn_if_descriptors_below(int max_connections) {
  rlimit files{};
  if (max_connections <= 0 || ::getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  if (files.rlim_cur == RLIM_INFINITY || files.rlim_cur > static_cast<rlim_t>(max_connections))
    return;
  spdlog::warn(
      "server.max_connections={} but the descriptor limit (ulimit -n) is {}: connections beyond "
      "it are refused with 503",
      max_connections, files.rlim_cur);
}

// The docs never stop qgate from starting: say what is missing and what is served instead.
std::shared_ptr<const qgate::http::static_assets> load_docs(
    const qgate::config::docs_settings& docs) {
  auto assets = qgate::http::static_assets::load(
      docs.assets_dir, docs.openapi, [](const qgate::http::gzip_report& report) {
        spdlog::info("docs: gzip variants ready ({} assets, {} → {} bytes, {} ms)", report.assets,
                     report.identity_bytes, report.gzip_bytes, report.took.count());
        qgate::config::flush_logs();
      });
  if (!assets->openapi_source().empty()) {
    spdlog::info("docs: OpenAPI document from {}", assets->openapi_source());
  } else if (docs.openapi != qgate::config::docs_settings{}.openapi) {
    spdlog::warn("docs: cannot read {}: serving the OpenAPI document built in", docs.openapi);
  } else {
    spdlog::info("docs: OpenAPI document built in ({} not found)", docs.openapi);
  }
  for (const auto& missing : assets->missing()) {
    spdlog::warn("docs: {}; that page says how to install the assets (scripts/install-deps.sh)",
                 missing);
  }
  return assets;
}

// Blocks the signals in every thread (threads inherit the mask); main waits for them with sigwait.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void wait_for_shutdown(const sigset_t& signals, qgate::actors::runtime& runtime) {
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0) continue;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading the catalog");
      runtime.reload_catalog();
      continue;
    }
    spdlog::info("{}: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    return;
  }
}

bool wait_for_connections_to_close(const qgate::http::server& server,
                                   std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return server.open_connections() == 0;
}

// Requests in flight may finish within the grace period; what is left then is cancelled.
void drain(qgate::http::server& server, std::chrono::milliseconds unready,
           std::chrono::milliseconds grace) {
  // Not ready first (a load balancer polling /readyz stops sending), still serving everything.
  server.set_unready();
  if (unready.count() > 0) {
    spdlog::info("not ready: serving {} ms more before the listener stops", unready.count());
    std::this_thread::sleep_for(unready);
  }
  server.drain();
  if (wait_for_connections_to_close(server, grace)) return;
  // Chats still running are ended with a final "shutting down" answer, the rest are closed.
  spdlog::warn("grace period over: ending {} connections", server.open_connections());
  server.close_all();
  (void)wait_for_connections_to_close(server, std::chrono::milliseconds(1000));
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  if (argc > 1 && std::string_view(argv[1]) == "tenant") {
    return qgate::admin::run_tenant_command(argc - 1, argv + 1);
  }
  auto cli = qgate::config::parse_cli(argc, argv);
  if (!cli.options) return cli.exit_code;
  auto loaded = qgate::config::load_settings(*cli.options, qgate::config::process_environment());
  if (!loaded.value) {
    std::fprintf(stderr, "qgate: invalid configuration: %s\n", loaded.failure->message.c_str());
    return 2;
  }
  const auto& settings = *loaded.value;
  qgate::config::setup_logging(settings.log);
  const sigset_t signals = block_shutdown_signals();

  // The event loops come first and go last: actors, connections and upstream transfers all run on
  // them (one per core by default).
  qgate::loop::io_pool pool(static_cast<std::size_t>(settings.server.io_threads),
                            std::chrono::microseconds(settings.server.busy_poll_us));
  pool.start();
  auto runtime = qgate::actors::runtime::start(settings, pool, cli.options->allow_anonymous);
  if (!runtime) {
    spdlog::critical("cannot start: {}", runtime.error().detail);
    // Configuration the operator must fix: open mode on a public address, an unreachable store.
    const auto code = runtime.error().code;
    return code == qgate::errc::unauthorized || code == qgate::errc::unavailable ? 2 : 1;
  }
  auto options = server_options_of(settings);
  if (settings.docs.enabled) options.assets = load_docs(settings.docs);
  if (!settings.admin.key.empty()) {
    options.console = qgate::http::static_assets::load_console(settings.admin.console_dir);
    for (const auto& missing : options.console->missing()) spdlog::warn("admin: {}", missing);
  }
  auto server = std::make_unique<qgate::http::server>(std::move(options), *runtime.value(), pool);
  auto port = server->listen();
  if (!port) {
    spdlog::critical("{}", port.error().detail);
    return 1;
  }
  if (settings.upstream.api_key.empty()) {
    spdlog::warn("DASHSCOPE_API_KEY is not set: every chat request will be answered 401");
  }
  spdlog::info("{}", qgate::config::describe(settings));
  warn_if_descriptors_below(settings.server.max_connections);
  server->start();
  const auto ready_us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::info("qgate listening on {}:{} with {} io threads (ready in {} µs)", settings.server.host,
               port.value(), pool.size(), ready_us.count());
  qgate::config::flush_logs();

  wait_for_shutdown(signals, *runtime.value());
  drain(*server, std::chrono::milliseconds(settings.server.unready_delay_ms),
        std::chrono::milliseconds(settings.server.shutdown_grace_ms));
  // Actors end first, while the io threads still run their last posts; then the io side.
  runtime.value()->shutdown();
  runtime.value().reset();
  server->stop();
  pool.stop();
  server.reset();
  spdlog::info("qgate stopped");
  qgate::config::flush_logs();
  return 0;
}
