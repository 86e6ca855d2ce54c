#include "actors/catalog_actor.hpp"

#include "messages/actor_protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

namespace qgate::actors {
namespace {

struct catalog_state {
  model_list all;
  model_list language_models;  // type 0 only, ordered by id: what the API lists

  void replace(model_list models) {
    auto chat_models = std::make_shared<std::vector<model_info>>();
    for (const auto& model : *models) {
      if (model.type == language_model_type) chat_models->push_back(model);
    }
    all = std::move(models);
    language_models = std::move(chat_models);
  }
};

caf::behavior catalog(caf::stateful_actor<catalog_state>* self, model_list initial) {
  self->state.replace(std::move(initial));
  return {
      [=](lookup_atom, const std::string& title) -> optional_model {
        for (const auto& model : *self->state.language_models) {
          if (model.title == title) return model;
        }
        return std::nullopt;
      },
      [=](models_atom, const response_sink_ptr& sink) { sink->send_models(self->state.language_models); },
      [=](snapshot_atom, model_list models) { self->state.replace(std::move(models)); },
  };
}

struct loader_state {
  std::shared_ptr<catalog::model_store> store;
  std::int64_t data_version = -1;
};

void reload_if_changed(caf::stateful_actor<loader_state>* self, const caf::actor& target, bool force) {
  auto& store = *self->state.store;
  auto version = store.data_version();
  if (!version) {
    spdlog::warn("catalog: {}", version.error().detail);
    return;
  }
  if (!force && version.value() == self->state.data_version) return;
  auto models = store.list_models();
  if (!models) {
    spdlog::warn("catalog reload failed: {}", models.error().detail);
    return;
  }
  self->state.data_version = version.value();
  spdlog::info("catalog reloaded: {} models", models.value().size());
  self->send(target, snapshot_atom::value,
             model_list(std::make_shared<const std::vector<model_info>>(std::move(models).value())));
}

caf::behavior loader(caf::stateful_actor<loader_state>* self,
                     std::shared_ptr<catalog::model_store> store, caf::actor target,
                     std::chrono::milliseconds interval) {
  self->state.store = std::move(store);
  if (auto version = self->state.store->data_version()) self->state.data_version = version.value();
  self->delayed_send(self, interval, poll_atom::value);
  return {
      [=](poll_atom) {
        reload_if_changed(self, target, false);
        self->delayed_send(self, interval, poll_atom::value);
      },
      [=](reload_atom) { reload_if_changed(self, target, true); },
  };
}

}  // namespace

caf::actor spawn_catalog(caf::actor_system& system, model_list initial) {
  return system.spawn(catalog, std::move(initial));
}

caf::actor spawn_catalog_loader(caf::actor_system& system, catalog::model_store store,
                                caf::actor target, std::chrono::milliseconds interval) {
  return system.spawn<caf::detached>(
      loader, std::make_shared<catalog::model_store>(std::move(store)), std::move(target), interval);
}

}  // namespace qgate::actors
