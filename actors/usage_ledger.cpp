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

// The writer owns the database connection; it runs detached because SQLite blocks. It sees one
// message per batch, not one per request, so the request path never wakes its thread.
struct writer_state {
  std::optional<catalog::model_store> store;
};

caf::behavior ledger_writer(caf::stateful_actor<writer_state>* self, std::string path,
                            caf::actor ledger) {
  // Should the ledger end without its exit handler (an exception), the writer still stops — after
  // the batches already in its mailbox, since the close it sends itself queues behind them.
  self->monitor(ledger);
  self->set_down_handler([=](caf::down_msg&) { self->send(self, close_atom::value); });
  auto store = catalog::model_store::open(path, "");
  if (store) {
    self->state.store.emplace(std::move(store).value());
  } else {
    spdlog::error("usage ledger disabled: {}", store.error().detail);
  }
  return {
      [=](usage_batch& rows) {
        if (!self->state.store) return;
        catalog::tenant_store tenants(self->state.store->database());
        if (auto written = tenants.record_usage(rows); !written) {
          spdlog::error("usage ledger: {} rows not written: {}", rows.size(),
                        written.error().detail);
        }
      },
      [=](usage_atom, const std::string& tenant, const std::string& from, const std::string& to,
          const response_sink_ptr& sink) {
        if (!self->state.store)
          return sink->send_error(make_error(errc::internal_error, "no ledger"));
        catalog::tenant_store tenants(self->state.store->database());
        auto totals = tenants.usage_totals(tenant, from, to);
        if (!totals) return sink->send_error(totals.error());
        sink->send_usage(std::move(totals).value());
      },
      [=](close_atom) { self->quit(); },
  };
}

// The ledger itself is a scheduled actor: a row from a session is a cheap in-scheduler message.
// It hands the writer what it buffered on a timer, on size, before a query and at exit; one
// sender keeps the writer's mailbox in order, so a query sees every row sent before it.
struct ledger_state {
  caf::actor writer;
  usage_batch pending;

  void hand_over(caf::event_based_actor* self) {
    if (pending.empty()) return;
    self->send(writer, std::move(pending));
    pending = {};
  }
};

caf::behavior usage_ledger(caf::stateful_actor<ledger_state>* self, std::string path,
                           std::chrono::milliseconds interval) {
  self->state.writer = self->system().spawn<caf::detached>(ledger_writer, std::move(path),
                                                           caf::actor_cast<caf::actor>(self));
  // Whatever ends the ledger (shutdown included), the buffered rows reach the writer first and
  // the writer stops only after writing them.
  self->set_exit_handler([=](caf::exit_msg& message) {
    self->state.hand_over(self);
    self->send(self->state.writer, close_atom::value);
    self->quit(message.reason);
  });
  self->delayed_send(self, interval, ledger_flush_atom::value);
  return {
      [=](usage_record& row) {
        self->state.pending.push_back(std::move(row));
        if (self->state.pending.size() >= batch_rows) self->state.hand_over(self);
      },
      [=](ledger_flush_atom) {
        self->state.hand_over(self);
        self->delayed_send(self, interval, ledger_flush_atom::value);
      },
      [=](usage_atom atom, std::string& tenant, std::string& from, std::string& to,
          response_sink_ptr& sink) {
        self->state.hand_over(self);
        self->send(self->state.writer, atom, std::move(tenant), std::move(from), std::move(to),
                   std::move(sink));
      },
  };
}

}  // namespace

caf::actor spawn_usage_ledger(caf::actor_system& system, const std::string& database_path,
                              std::chrono::milliseconds flush_interval) {
  return system.spawn(usage_ledger, database_path, flush_interval);
}

}  // namespace qgate::actors
