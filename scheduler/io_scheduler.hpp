// A CAF scheduler module that runs actors on the io_pool's threads: an actor runs on the io
// thread of the event that first woke it (its spawner's, normally) and stays there; a message from
// another thread posts it home. No CAF worker or clock thread exists.
#pragma once

#include "loop/io_pool.hpp"
#include "scheduler/asio_clock.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace qgate::scheduler {

// An actor_system_config that runs its system on `pool` (which must run from before the system
// is constructed until after it is destroyed; destroy the system on a thread outside the pool).
class io_system_config : public caf::actor_system_config {
 public:
  explicit io_system_config(loop::io_pool& pool);
  loop::io_pool& pool;
};

class io_scheduler final : public caf::scheduler::abstract_coordinator {
 public:
  using super = caf::scheduler::abstract_coordinator;
  explicit io_scheduler(caf::actor_system& system, loop::io_pool& pool);
  ~io_scheduler() override;

  void enqueue(caf::resumable* what) override;
  caf::actor_clock& clock() noexcept override { return clock_; }
  bool detaches_utility_actors() const override { return false; }
  void start() override;
  void stop() override;

  // Actors resumed on each io thread since start (tests and metrics: where work ran).
  [[nodiscard]] std::vector<std::uint64_t> resumes_per_thread() const;
  // Actors woken on an io thread by another thread (another io thread, a detached actor, the
  // main thread) since start: what a request costs in hops shows here.
  [[nodiscard]] std::uint64_t cross_thread_wakeups() const;
  [[nodiscard]] const asio_clock& timers() const noexcept { return clock_; }

  class worker;

 private:
  friend class worker;
  // Picks the io thread for a resumable: its home if it has run before, else the caller's.
  void route(caf::resumable* what);
  worker* home_of(caf::resumable* what) const noexcept;
  worker* caller() const noexcept;
  // Waits until every io thread ran what was queued before the call; true if all were quiet then.
  // The last one also clears the threads' CAF logger reference.
  bool barrier(bool last = false);

  loop::io_pool& pool_;
  asio_clock clock_;
  std::vector<std::shared_ptr<worker>> workers_;
  std::atomic<std::size_t> next_{0};  // round robin for callers outside the pool
  std::atomic<bool> stopped_{false};  // from stop() on, work is released, not run
};

}  // namespace qgate::scheduler
