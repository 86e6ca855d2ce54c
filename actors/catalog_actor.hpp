// The catalog actor answers model lookups and listings from an in-memory snapshot; the loader
// (a detached actor, since SQLite blocks) watches the database and sends it new snapshots.
#pragma once

#include "catalog/model_store.hpp"
#include "messages/model_info.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>

namespace qgate::actors {

caf::actor spawn_catalog(caf::actor_system& system, model_list initial);

// Polls PRAGMA data_version every `interval` (and at once on reload_atom); on change it reads the
// models again and sends them to `catalog`.
caf::actor spawn_catalog_loader(caf::actor_system& system, catalog::model_store store,
                                caf::actor catalog, std::chrono::milliseconds interval);

}  // namespace qgate::actors
