// The catalog actor answers model lookups, listings and key checks from in-memory snapshots; the
// loader (a detached actor, since SQLite blocks) watches the database and sends it new snapshots.
#pragma once

#include "actors/usage_ledger.hpp"
#include "catalog/store.hpp"
#include "messages/actor_protocol.hpp"
#include "messages/model_info.hpp"
#include "messages/tenant.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
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
[[nodiscard]] result<catalog_snapshot> read_snapshot(catalog::store& store);

// Who presents `api_key`: in open mode (no tenant at all) the anonymous tenant; otherwise the
// enabled tenant whose key hash matches, or UNAUTHORIZED. Hashing first makes the work the same
// for every key of a given length.
[[nodiscard]] result<tenant_info> authenticate(
    const std::unordered_map<std::string, tenant_info>& tenants, std::string_view api_key);

}  // namespace qgate::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::actors::catalog_snapshot)

namespace qgate::actors {

// The catalog's protocol: who is calling and may they use this model (a session asks), the models
// and the usage a caller may see (the gateway asks; the answer goes to the sink), whether a key
// refused by the admin API is a tenant's (403) or nobody's (401), and new snapshots (the loader
// sends).
using catalog_actor = caf::typed_actor<
    caf::replies_to<lookup_atom, std::string, std::string>::with<lookup_reply>,  // key, model
    caf::reacts_to<models_atom, std::string, response_sink_ptr>,                 // key
    caf::reacts_to<usage_atom, std::string, std::string, std::string,
                   response_sink_ptr>,                           // key, first day, last day
    caf::reacts_to<admin_atom, std::string, response_sink_ptr>,  // key: answers the error
    caf::reacts_to<snapshot_atom, catalog_snapshot>>;

// Usage queries are authenticated here and answered by `ledger`.
catalog_actor spawn_catalog(caf::actor_system& system, catalog_snapshot initial,
                            ledger_actor ledger);

// Asks the store whether models or tenants changed every `interval` (SQLite: a version counter;
// PostgreSQL: notifications already received, no query), and reloads at once on reload_atom; on a
// change it reads the catalog again and sends it to every one of `catalogs`. While the store is
// unreachable the catalogs keep serving the snapshot they have.
// The loader's protocol: its own poll timer and "reload now" (SIGHUP, the admin API), answered once
// the new snapshot is on its way to every catalog (false: the store did not answer): whatever
// reaches a catalog after the answer is served from it.
using loader_actor =
    caf::typed_actor<caf::reacts_to<poll_atom>, caf::replies_to<reload_atom>::with<bool>>;

loader_actor spawn_catalog_loader(caf::actor_system& system, std::unique_ptr<catalog::store> store,
                                  std::vector<catalog_actor> catalogs,
                                  std::chrono::milliseconds interval,
                                  std::shared_ptr<std::atomic<bool>> reachable);

}  // namespace qgate::actors
