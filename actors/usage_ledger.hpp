// The usage ledger: one row per chat request, buffered by a scheduled actor and written in batches
// by a detached one (SQLite blocks) off the request path: on a timer, on size and at shutdown.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <string>

namespace qgate::actors {

// Takes usage_record messages; answers (usage_atom, tenant, from_day, to_day, sink) by sending the
// caller's totals to the sink.
caf::actor spawn_usage_ledger(caf::actor_system& system, const std::string& database_path,
                              std::chrono::milliseconds flush_interval);

}  // namespace qgate::actors
