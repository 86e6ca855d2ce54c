#include "actors/usage_ledger.hpp"

#include "catalog/model_store.hpp"
#include "catalog/tenant_store.hpp"
#include "messages/actor_protocol.hpp"

#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace qgate::actors {
namespace {

constexpr std::size_t batch_rows = 256;

struct ledger_state {
  std::optional<catalog::model_store> store;
  std::vector<usage_record> pending;

  void flush() {
    if (pending.empty() || !store) return;
    catalog::tenant_store tenants(store->database());
    if (auto written = tenants.record_usage(pending); !written) {
      spdlog::error("usage ledger: {} rows not written: {}", pending.size(),
                    written.error().detail);
    }
    pending.clear();
  }
};

caf::behavior usage_ledger(caf::stateful_actor<ledger_state>* self, std::string path,
                           std::chrono::milliseconds interval) {
  auto store = catalog::model_store::open(path, "");
  if (store) {
    self->state.store.emplace(std::move(store).value());
  } else {
    spdlog::error("usage ledger disabled: {}", store.error().detail);
  }
  // Whatever ends the ledger (shutdown included), the buffered rows reach the database first.
  self->set_exit_handler([=](caf::exit_msg& message) {
    self->state.flush();
    self->quit(message.reason);
  });
  self->delayed_send(self, interval, ledger_flush_atom::value);
  return {
      [=](usage_record& row) {
        self->state.pending.push_back(std::move(row));
        if (self->state.pending.size() >= batch_rows) self->state.flush();
      },
      [=](ledger_flush_atom) {
        self->state.flush();
        self->delayed_send(self, interval, ledger_flush_atom::value);
      },
      [=](usage_atom, const std::string& tenant, const std::string& from, const std::string& to,
          const response_sink_ptr& sink) {
        self->state.flush();
        if (!self->state.store)
          return sink->send_error(make_error(errc::internal_error, "no ledger"));
        catalog::tenant_store tenants(self->state.store->database());
        auto totals = tenants.usage_totals(tenant, from, to);
        if (!totals) return sink->send_error(totals.error());
        sink->send_usage(std::move(totals).value());
      },
  };
}

}  // namespace

caf::actor spawn_usage_ledger(caf::actor_system& system, const std::string& database_path,
                              std::chrono::milliseconds flush_interval) {
  return system.spawn<caf::detached>(usage_ledger, database_path, flush_interval);
}

}  // namespace qgate::actors
