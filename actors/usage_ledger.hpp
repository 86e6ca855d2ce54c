// The usage ledger: one row per chat request, buffered by a scheduled actor and written in batches
// by a detached one (the stores block) off the request path: on a timer, on size and at shutdown.
// A failing database never hurts serving: rows wait in a bounded buffer; past the bound (and at
// shutdown) they go to a local spill file, written to the database when it is back. A row is lost
// only when the spill file cannot be written either (counted as dropped and logged), or when the
// process is killed with rows in memory.
#pragma once

#include "catalog/store.hpp"
#include "messages/actor_protocol.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace qgate::actors {

struct ledger_options {
  catalog::store_options store;
  std::string spill_path;
  std::chrono::milliseconds flush_interval{1000};
  std::size_t max_buffered_rows = 100'000;  // rows waiting for the database, at most
};

// Live counters the ledger keeps for health checks and metrics (read from any thread).
struct ledger_counters {
  std::atomic<std::uint64_t> buffered_rows{0};   // waiting to be written now
  std::atomic<std::uint64_t> written_rows{0};    // since start
  std::atomic<std::uint64_t> spilled_rows{0};    // waiting in the spill file now
  std::atomic<std::uint64_t> dropped_rows{0};    // since start: not even the spill file took them
  std::atomic<std::uint64_t> write_failures{0};  // failed batch writes since start
};

// The ledger's protocol: a row per call (sessions send it), a usage query answered through its sink
// (the catalog sends it), "write what you hold" answered once the writer has written it (true) or
// failed to (false) (the admin API asks before it reads usage), and its own flush and retry
// timers.
using ledger_actor =
    caf::typed_actor<caf::reacts_to<usage_record>,
                     caf::reacts_to<usage_atom, std::string, std::string, std::string,
                                    response_sink_ptr>,  // tenant, first day, last day
                     caf::replies_to<sync_atom>::with<bool>, caf::reacts_to<ledger_flush_atom>,
                     caf::reacts_to<retry_atom>>;

// Takes usage_record messages; answers (usage_atom, tenant, from_day, to_day, sink) by sending the
// caller's totals to the sink.
ledger_actor spawn_usage_ledger(caf::actor_system& system, ledger_options options,
                                std::shared_ptr<ledger_counters> counters);

}  // namespace qgate::actors
