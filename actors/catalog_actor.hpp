// The catalog actor answers model lookups, listings and key checks from in-memory snapshots; the
// loader (a detached actor, since SQLite blocks) watches the database and sends it new snapshots.
#pragma once

#include "catalog/model_store.hpp"
#include "messages/model_info.hpp"
#include "messages/tenant.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qgate::actors {

struct catalog_snapshot {
  model_list models;
  std::shared_ptr<const std::unordered_map<std::string, tenant_info>> tenants;  // by key hash
};

// Reads models and tenants (blocking; start-up and the loader only).
[[nodiscard]] result<catalog_snapshot> read_snapshot(catalog::model_store& store);

// Who presents `api_key`: in open mode (no tenant at all) the anonymous tenant; otherwise the
// enabled tenant whose key hash matches, or UNAUTHORIZED. Hashing first makes the work the same
// for every key of a given length.
[[nodiscard]] result<tenant_info> authenticate(
    const std::unordered_map<std::string, tenant_info>& tenants, std::string_view api_key);

// Usage queries are authenticated here and answered by `ledger`.
caf::actor spawn_catalog(caf::actor_system& system, catalog_snapshot initial, caf::actor ledger);

// Polls the catalog's version counter every `interval` (and reloads at once on reload_atom); when
// models or tenants changed it reads the catalog again and sends it to every one of `catalogs`.
caf::actor spawn_catalog_loader(caf::actor_system& system, catalog::model_store store,
                                std::vector<caf::actor> catalogs,
                                std::chrono::milliseconds interval);

}  // namespace qgate::actors
