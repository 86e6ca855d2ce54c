#include "actors/catalog_actor.hpp"

#include "catalog/api_keys.hpp"
#include "catalog/tenant_store.hpp"
#include "messages/actor_protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace qgate::actors {
namespace {

struct catalog_state {
  model_list language_models;  // type 0 only, ordered by id: what the API lists
  tenant_index tenants;

  void replace(catalog_snapshot snapshot) {
    auto chat_models = std::make_shared<std::vector<model_info>>();
    for (const auto& model : *snapshot.models) {
      if (model.type == language_model_type) chat_models->push_back(model);
    }
    language_models = std::move(chat_models);
    tenants = std::move(snapshot.tenants);
  }

  const model_info* find(const std::string& title) const {
    for (const auto& model : *language_models) {
      if (model.title == title) return &model;
    }
    return nullptr;
  }
};

model_list models_for(const catalog_state& state, const tenant_info& tenant) {
  if (tenant.models.empty()) return state.language_models;
  auto allowed = std::make_shared<std::vector<model_info>>();
  for (const auto& model : *state.language_models) {
    if (tenant.allows(model.title)) allowed->push_back(model);
  }
  return allowed;
}

catalog_actor::behavior_type catalog(catalog_actor::stateful_pointer<catalog_state> self,
                                     catalog_snapshot initial, ledger_actor ledger) {
  self->state.replace(std::move(initial));
  return {
      [=](lookup_atom, const std::string& api_key, const std::string& model) -> lookup_reply {
        auto tenant = authenticate(*self->state.tenants, api_key);
        if (!tenant) return tenant.error();
        if (self->state.find(model) == nullptr || !tenant.value().allows(model)) {
          return make_error(errc::invalid_model, model);
        }
        return std::move(tenant).value();
      },
      [=](models_atom, const std::string& api_key, const response_sink_ptr& sink) {
        auto tenant = authenticate(*self->state.tenants, api_key);
        if (!tenant) return sink->send_error(tenant.error());
        sink->send_models(models_for(self->state, tenant.value()));
      },
      [=](usage_atom, const std::string& api_key, std::string& from, std::string& to,
          response_sink_ptr& sink) {
        auto tenant = authenticate(*self->state.tenants, api_key);
        if (!tenant) return sink->send_error(tenant.error());
        self->send(ledger, usage_atom::value, tenant.value().name, std::move(from), std::move(to),
                   std::move(sink));
      },
      // A key that is not the admin key: a working tenant key may not administer (403).
      [=](admin_atom, const std::string& api_key, const response_sink_ptr& sink) {
        const auto& tenants = *self->state.tenants;
        if (!api_key.empty() && !tenants.empty() && authenticate(tenants, api_key)) {
          return sink->send_error(make_error(errc::forbidden, "租户 API Key 不能调用管理接口"));
        }
        sink->send_error(make_error(errc::unauthorized, "not the admin key"));
      },
      [=](snapshot_atom, catalog_snapshot& snapshot) { self->state.replace(std::move(snapshot)); },
  };
}

struct loader_state {
  std::shared_ptr<catalog::store> store;
  bool failing = false;  // the store did not answer last time (logged once per outage)
  std::shared_ptr<std::atomic<bool>> reachable;  // !failing, for /readyz on other threads

  void set_failing(bool now_failing) {
    failing = now_failing;
    reachable->store(!now_failing);
  }
};

// True when the catalogs have the store's current state on its way (or had it already).
bool reload_if_changed(loader_actor::stateful_pointer<loader_state> self,
                       const std::vector<catalog_actor>& targets, bool force) {
  auto& state = self->state;
  auto changed = state.store->catalog_changed();
  // After a failure every poll reads again: a change seen just before it must not be lost.
  if (changed && !changed.value() && !force && !state.failing) return true;
  auto snapshot = changed ? read_snapshot(*state.store) : result<catalog_snapshot>(changed.error());
  if (!snapshot) {
    // Serving goes on from the snapshot the catalogs hold.
    if (!state.failing) spdlog::warn("catalog: cannot reload: {}", snapshot.error().detail);
    state.set_failing(true);
    return false;
  }
  if (state.failing) spdlog::info("catalog: the store answers again");
  state.set_failing(false);
  spdlog::info("catalog reloaded: {} models, {} tenants", snapshot.value().models->size(),
               snapshot.value().tenants->size());
  // Each io thread's catalog gets the same snapshot (shared, immutable: copying it is cheap).
  for (const auto& catalog : targets) self->send(catalog, snapshot_atom::value, snapshot.value());
  return true;
}

loader_actor::behavior_type loader(loader_actor::stateful_pointer<loader_state> self,
                                   std::shared_ptr<catalog::store> store,
                                   std::vector<catalog_actor> targets,
                                   std::chrono::milliseconds interval,
                                   std::shared_ptr<std::atomic<bool>> reachable) {
  self->state.store = std::move(store);
  self->state.reachable = std::move(reachable);
  self->delayed_send(self, interval, poll_atom::value);
  return {
      [=](poll_atom) {
        (void)reload_if_changed(self, targets, false);
        self->delayed_send(self, interval, poll_atom::value);
      },
      [=](reload_atom) { return reload_if_changed(self, targets, true); },
  };
}

}  // namespace

result<catalog_snapshot> read_snapshot(catalog::store& store) {
  auto models = store.list_models();
  if (!models) return models.error();
  auto records = store.list_tenants();
  if (!records) return records.error();
  auto index = std::make_shared<std::unordered_map<std::string, tenant_info>>();
  for (auto& record : records.value())
    index->emplace(std::move(record.key_hash), std::move(record.info));
  return catalog_snapshot{
      std::make_shared<const std::vector<model_info>>(std::move(models).value()), std::move(index)};
}

result<tenant_info> authenticate(const std::unordered_map<std::string, tenant_info>& tenants,
                                 std::string_view api_key) {
  if (tenants.empty()) return anonymous_tenant();
  if (api_key.empty()) return make_error(errc::unauthorized, "no API key");
  const auto found = tenants.find(catalog::hash_api_key(api_key));
  if (found == tenants.end()) return make_error(errc::unauthorized, "unknown API key");
  if (!found->second.enabled)
    return make_error(errc::unauthorized, "tenant " + found->second.name + " is disabled");
  return found->second;
}

catalog_actor spawn_catalog(caf::actor_system& system, catalog_snapshot initial,
                            ledger_actor ledger) {
  return system.spawn(catalog, std::move(initial), std::move(ledger));
}

loader_actor spawn_catalog_loader(caf::actor_system& system, std::unique_ptr<catalog::store> store,
                                  std::vector<catalog_actor> targets,
                                  std::chrono::milliseconds interval,
                                  std::shared_ptr<std::atomic<bool>> reachable) {
  return system.spawn<caf::detached>(loader, std::shared_ptr<catalog::store>(std::move(store)),
                                     std::move(targets), interval, std::move(reachable));
}

}  // namespace qgate::actors
