// The one place that wires the actor system: catalog, loader, driver and per-request sessions.
#pragma once

#include "config/settings.hpp"
#include "loop/io_pool.hpp"
#include "messages/gateway.hpp"

#include <memory>

namespace qgate::actors {

class runtime : public gateway {
 public:
  // Opens and migrates the catalog (blocking, at start-up only) and starts every actor.
  // Refuses open mode (no tenant) on a non-loopback address unless `allow_anonymous`.
  // Its actors run on `pool`'s io threads, which must run from before this call until after the
  // runtime is destroyed (on a thread outside the pool).
  [[nodiscard]] static result<std::unique_ptr<runtime>> start(const config::settings& settings,
                                                              loop::io_pool& pool,
                                                              bool allow_anonymous = false);
  ~runtime() override;

  void list_models(std::string api_key, response_sink_ptr sink) override;
  std::unique_ptr<chat_call> start_chat(chat_request request, response_sink_ptr sink) override;
  void usage(std::string api_key, std::string from_day, std::string to_day,
             response_sink_ptr sink) override;
  // With admin.key set: the admin API (admin_gate in front of the admin actor).
  admin_backend* admin() override;

  // Re-reads the catalog now (SIGHUP).
  void reload_catalog();
  gateway_stats stats() const override;
  // Stops the long-lived actors so the actor system can end; sessions still running finish first.
  void shutdown();

 private:
  struct parts;
  explicit runtime(std::unique_ptr<parts> p);
  std::unique_ptr<parts> parts_;
};

}  // namespace qgate::actors
