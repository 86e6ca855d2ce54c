#include "actors/usage_ledger.hpp"

#include "catalog/usage_spill.hpp"
#include "messages/actor_protocol.hpp"

#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace qgate::actors {
namespace {

constexpr std::size_t batch_rows = 256;
// A failing database is retried with a doubling pause, up to this.
constexpr std::chrono::milliseconds max_retry_pause{10'000};
// Drops are logged with a count at most this often.
constexpr std::chrono::seconds drop_log_interval{10};

// The writer owns the store's connection and the spill file; it runs detached because the stores
// block. It sees one message per batch, not one per request, so the request path never wakes its
// thread. It keeps no rows: a batch it cannot write goes back to the ledger, which owns the buffer
// and its bound, or (past the bound, and at shutdown) into the spill file.
struct writer_state {
  catalog::store_options options;
  std::unique_ptr<catalog::store> store;  // opened on first use, again after it failed to open
  std::optional<catalog::usage_spill> spill;
  std::shared_ptr<ledger_counters> counters;
  std::chrono::steady_clock::time_point last_drop_log{};

  [[nodiscard]] result<void> write(const usage_batch& rows) {
    if (!store) {
      auto opened = catalog::open_store(options);
      if (!opened) return opened.error();
      store = std::move(opened).value();
    }
    return store->record_usage(rows);
  }

  // The database took rows: what waits in the spill file goes too.
  void replay_spill() {
    if (!spill || counters->spilled_rows == 0) return;
    std::size_t written = 0;
    auto replayed = spill->replay([this](const usage_batch& rows) { return write(rows); }, written);
    counters->spilled_rows -= std::min<std::uint64_t>(counters->spilled_rows, written);
    counters->written_rows += written;
    if (written > 0) spdlog::info("usage ledger: {} spilled rows written", written);
    if (!replayed) spdlog::warn("usage ledger: spill replay stopped: {}", replayed.error().detail);
  }

  // Rows the database cannot take now: to the spill file, or (disk full) counted as lost.
  void spill_rows(const usage_batch& rows) {
    auto appended = spill ? spill->append(rows) : result<void>(make_error(errc::internal_error));
    if (appended) {
      counters->spilled_rows += rows.size();
      return;
    }
    counters->dropped_rows += rows.size();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_drop_log < drop_log_interval) return;
    last_drop_log = now;
    spdlog::error("usage ledger: {} rows lost: the database and the spill file both fail: {}",
                  rows.size(), appended ? std::string() : appended.error().detail);
  }
};

// The writer's protocol: batches to write (answered with the rows it could not write), rows to
// spill, usage queries, and the last rows at shutdown.
using writer_actor = caf::typed_actor<
    caf::replies_to<usage_batch>::with<usage_batch>, caf::reacts_to<spill_atom, usage_batch>,
    caf::reacts_to<usage_atom, std::string, std::string, std::string, response_sink_ptr>,
    caf::replies_to<sync_atom>::with<bool>, caf::reacts_to<close_atom, usage_batch>>;

writer_actor::behavior_type ledger_writer(writer_actor::stateful_pointer<writer_state> self,
                                          catalog::store_options options, std::string spill_path,
                                          ledger_actor ledger,
                                          std::shared_ptr<ledger_counters> counters) {
  // Should the ledger end without its exit handler (an exception), the writer still stops — after
  // the batches already in its mailbox, since the close it sends itself queues behind them.
  self->monitor(ledger);
  self->set_down_handler(
      [=](caf::down_msg&) { self->send(self, close_atom::value, usage_batch{}); });
  auto& state = self->state;
  state.options = std::move(options);
  state.counters = std::move(counters);
  if (!spill_path.empty()) {
    state.spill.emplace(std::move(spill_path));
    state.counters->spilled_rows = state.spill->count();
    if (state.counters->spilled_rows > 0)
      spdlog::info("usage ledger: {} rows wait in {}", state.counters->spilled_rows.load(),
                   state.spill->path());
  }
  if (auto opened = state.write({}); !opened) {
    spdlog::error("usage ledger: cannot open the database: {}", opened.error().detail);
  } else {
    state.replay_spill();
  }
  return {
      // Answers the rows it could not write (none: all written).
      [=](usage_batch& rows) -> usage_batch {
        if (auto written = self->state.write(rows); !written) {
          spdlog::error("usage ledger: {} rows not written, kept for a retry: {}", rows.size(),
                        written.error().detail);
          return std::move(rows);
        }
        self->state.replay_spill();
        return {};
      },
      [=](spill_atom, const usage_batch& rows) { self->state.spill_rows(rows); },
      [=](usage_atom, const std::string& tenant, const std::string& from, const std::string& to,
          const response_sink_ptr& sink) {
        auto& s = self->state;
        if (auto opened = s.write({}); !opened) return sink->send_error(opened.error());
        s.replay_spill();  // a query sees every row admitted
        auto totals = s.store->usage_totals(tenant, from, to);
        if (!totals) return sink->send_error(totals.error());
        sink->send_usage(std::move(totals).value());
      },
      // Every batch sent before it was written (or failed and went back to the ledger).
      [=](sync_atom) { return self->state.store != nullptr; },
      // The last rows at shutdown: nobody is left to retry them, the spill file keeps them.
      [=](close_atom, usage_batch& rows) {
        auto& s = self->state;
        if (auto written = s.write(rows); !written) {
          spdlog::error("usage ledger: {} rows spilled at shutdown: {}", rows.size(),
                        written.error().detail);
          s.spill_rows(rows);
        } else {
          s.counters->written_rows += rows.size();
        }
        s.counters->buffered_rows -=
            std::min<std::uint64_t>(s.counters->buffered_rows, rows.size());
        self->quit();
      },
  };
}

// The ledger itself is a scheduled actor: a row from a session is a cheap in-scheduler message.
// It owns the buffer: rows wait in `pending` until handed to the writer (on a timer, on size,
// before a query, at exit); rows the writer could not write come back and are retried with a
// doubling pause. Rows pending plus rows at the writer never exceed `max_buffered_rows`.
struct ledger_state {
  ledger_options options;
  std::shared_ptr<ledger_counters> counters;
  writer_actor writer;
  usage_batch pending;
  std::size_t in_flight = 0;  // rows handed to the writer and not yet answered
  bool failing = false;       // the last write failed and none succeeded since
  bool retry_scheduled = false;
  std::chrono::milliseconds retry_pause{0};
  std::optional<caf::error> closing;  // told to exit: waits for the batches at the writer

  void take(usage_record row) {
    pending.push_back(std::move(row));
    ++counters->buffered_rows;
  }
};

using ledger_self = ledger_actor::stateful_pointer<ledger_state>;

void hand_over(ledger_self self);

// The last rows go to the writer, which writes (or spills) them and stops; so does the ledger.
void close_when_idle(ledger_self self) {
  auto& state = self->state;
  if (!state.closing || state.in_flight > 0) return;
  usage_batch last;
  last.swap(state.pending);
  self->send(state.writer, close_atom::value, std::move(last));
  self->quit(*state.closing);
}

void on_answer(ledger_self self, std::size_t sent, usage_batch& unwritten) {
  auto& state = self->state;
  state.in_flight -= sent;
  const auto written = sent - unwritten.size();
  state.counters->written_rows += written;
  state.counters->buffered_rows -= written;
  if (state.closing) {
    state.pending.insert(state.pending.end(), std::make_move_iterator(unwritten.begin()),
                         std::make_move_iterator(unwritten.end()));
    return close_when_idle(self);
  }
  if (unwritten.empty()) {
    if (state.failing) spdlog::info("usage ledger: the database takes rows again");
    state.failing = false;
    state.retry_pause = state.options.flush_interval;
    if (state.pending.size() >= batch_rows) hand_over(self);
    return;
  }
  ++state.counters->write_failures;
  // Back to the front of the buffer: they are older than anything pending.
  state.pending.insert(state.pending.begin(), std::make_move_iterator(unwritten.begin()),
                       std::make_move_iterator(unwritten.end()));
  state.failing = true;
  if (state.retry_scheduled) return;
  state.retry_scheduled = true;
  self->delayed_send(self, state.retry_pause, retry_atom::value);
}

// `force` hands over even while a batch is at the writer or the database fails (a retry, or
// before a query, which must see every earlier row).
void hand_over(ledger_self self, bool force) {
  auto& state = self->state;
  if (state.pending.empty() || state.closing || (!force && (state.in_flight > 0 || state.failing)))
    return;
  usage_batch batch;
  batch.swap(state.pending);
  const auto sent = batch.size();
  state.in_flight += sent;
  self->request(state.writer, caf::infinite, std::move(batch))
      .then([=](usage_batch& unwritten) { on_answer(self, sent, unwritten); },
            [=](const caf::error&) {
              // The writer is gone (it failed): these rows cannot be written any more.
              self->state.in_flight -= sent;
              self->state.counters->dropped_rows += sent;
              self->state.counters->buffered_rows -= sent;
              close_when_idle(self);
            });
}

void hand_over(ledger_self self) { hand_over(self, false); }

ledger_actor::behavior_type usage_ledger(ledger_self self, ledger_options options,
                                         std::shared_ptr<ledger_counters> counters) {
  auto& state = self->state;
  state.retry_pause = options.flush_interval;
  state.options = std::move(options);
  state.counters = std::move(counters);
  state.writer = self->system().spawn<caf::detached>(
      ledger_writer, state.options.store, state.options.spill_path,
      caf::actor_cast<ledger_actor>(self), state.counters);
  // Whatever ends the ledger (shutdown included), the buffered rows reach the writer first and
  // the writer stops only after writing them. A batch at the writer is waited for: rows it could
  // not write come back and leave with the last ones (to the spill file if the database fails).
  self->set_exit_handler([=](caf::exit_msg& message) {
    self->state.closing = message.reason;
    close_when_idle(self);
  });
  self->delayed_send(self, state.options.flush_interval, ledger_flush_atom::value);
  return {
      [=](usage_record& row) {
        auto& s = self->state;
        // Past the bound the oldest rows held here go to the spill file (the writer's thread).
        if (s.pending.size() + s.in_flight >= s.options.max_buffered_rows && !s.pending.empty()) {
          usage_batch overflow;
          overflow.swap(s.pending);
          s.counters->buffered_rows -= overflow.size();
          self->send(s.writer, spill_atom::value, std::move(overflow));
        }
        s.take(std::move(row));
        if (s.pending.size() >= batch_rows) hand_over(self);
      },
      [=](ledger_flush_atom) {
        hand_over(self);
        self->delayed_send(self, self->state.options.flush_interval, ledger_flush_atom::value);
      },
      [=](retry_atom) {
        auto& s = self->state;
        s.retry_scheduled = false;
        s.retry_pause = std::min(s.retry_pause * 2, max_retry_pause);
        hand_over(self, true);
      },
      // The rows held now are handed over and the writer answers after writing them.
      [=](sync_atom atom) -> caf::delegated<bool> {
        hand_over(self, true);
        return self->delegate(self->state.writer, atom);
      },
      [=](usage_atom atom, std::string& tenant, std::string& from, std::string& to,
          response_sink_ptr& sink) {
        hand_over(self, true);
        self->send(self->state.writer, atom, std::move(tenant), std::move(from), std::move(to),
                   std::move(sink));
      },
  };
}

}  // namespace

ledger_actor spawn_usage_ledger(caf::actor_system& system, ledger_options options,
                                std::shared_ptr<ledger_counters> counters) {
  return system.spawn(usage_ledger, std::move(options), std::move(counters));
}

}  // namespace qgate::actors
