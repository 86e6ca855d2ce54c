#include "scheduler/io_scheduler.hpp"

#include <boost/asio/post.hpp>
#include <caf/actor_cast.hpp>
#include <caf/execution_unit.hpp>
#include <caf/local_actor.hpp>
#include <caf/logger.hpp>
#include <caf/make_actor.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduled_actor.hpp>

#include <deque>
#include <future>
#include <iostream>
#include <mutex>

namespace qgate::scheduler {

// How many actors one turn runs before it lets the loop's sockets in again (re-posting itself).
constexpr std::size_t actors_per_turn = 64;
// Messages an actor handles per resume before the next actor gets its turn.
constexpr std::size_t default_messages_per_resume = 64;

// One io thread's run queue. `local_` is touched only on its thread; other threads hand work in
// through `remote_`.
class io_scheduler::worker final : public caf::execution_unit,
                                   public std::enable_shared_from_this<io_scheduler::worker> {
 public:
  worker(io_scheduler& owner, std::size_t index)
      : caf::execution_unit(&owner.system()),
        owner_(owner),
        index_(index),
        io_(owner.pool_.context(index)) {}

  // Called by CAF on the thread of the actor that caused the wake-up.
  void exec_later(caf::resumable* what) override { owner_.route(what); }

  void push_local(caf::resumable* what) {
    local_.push_back(what);
    if (drain_posted_) return;
    drain_posted_ = true;
    boost::asio::post(io_, [self = shared_from_this()] { self->drain(); });
  }

  void push_remote(caf::resumable* what) {
    ++remote_pushes_;
    {
      std::lock_guard lock(mutex_);
      remote_.push_back(what);
      if (remote_posted_) return;
      remote_posted_ = true;
    }
    boost::asio::post(io_, [self = shared_from_this()] { self->take_remote(); });
  }

  // Handlers still queued when the system stops find this set and do nothing.
  void stop() noexcept { stopped_ = true; }

  // On its thread: nothing queued, nothing about to run.
  [[nodiscard]] bool quiet() {
    std::lock_guard lock(mutex_);
    return local_.empty() && remote_.empty() && !drain_posted_;
  }

  // Runs up to actors_per_turn actors. What they wake on this thread joins this turn (drain_posted_
  // stays set meanwhile): a whole request — session, catalog, limiter, upstream — is one turn.
  void drain() {
    if (stopped_) return;
    const auto throughput = owner_.max_throughput();
    for (std::size_t n = 0; n < actors_per_turn && !local_.empty(); ++n) {
      caf::resumable* job = local_.front();
      local_.pop_front();
      ++resumes_;
      switch (job->resume(this, throughput)) {
        case caf::resumable::resume_later:
          local_.push_back(job);
          break;
        case caf::resumable::done:
        case caf::resumable::awaiting_message:
          intrusive_ptr_release(job);
          break;
        case caf::resumable::shutdown_execution_unit:
          break;
      }
    }
    drain_posted_ = false;
    if (!local_.empty()) {
      drain_posted_ = true;
      boost::asio::post(io_, [self = shared_from_this()] { self->drain(); });
    }
  }

  // At stop, with the loops idle: whatever is still queued gets cleaned up and released.
  void release_all() {
    std::vector<caf::resumable*> left;
    {
      std::lock_guard lock(mutex_);
      left.swap(remote_);
    }
    left.insert(left.end(), local_.begin(), local_.end());
    local_.clear();
    for (auto* job : left) caf::scheduler::abstract_coordinator::cleanup_and_release(job);
  }

  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] std::uint64_t resumes() const noexcept { return resumes_.load(); }
  [[nodiscard]] std::uint64_t remote_pushes() const noexcept { return remote_pushes_.load(); }

 private:
  void take_remote() {
    if (stopped_) return;
    std::vector<caf::resumable*> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(remote_);
      remote_posted_ = false;
    }
    for (auto* job : batch) push_local(job);
  }

  io_scheduler& owner_;
  std::size_t index_;
  boost::asio::io_context& io_;
  std::deque<caf::resumable*> local_;
  bool drain_posted_ = false;
  std::mutex mutex_;
  std::vector<caf::resumable*> remote_;
  bool remote_posted_ = false;
  std::atomic<std::uint64_t> resumes_{0};        // written on its thread, read by anyone
  std::atomic<std::uint64_t> remote_pushes_{0};  // actors woken here from another thread
  std::atomic<bool> stopped_{false};
};

namespace {

// CAF's `aout` printer as a plain actor that writes at once, instead of a detached thread.
class direct_printer final : public caf::monitorable_actor {
 public:
  explicit direct_printer(caf::actor_config& cfg) : caf::monitorable_actor(cfg) {}
  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit*) override {
    auto& content = what->content();
    if (content.match_elements<caf::add_atom, caf::actor_id, std::string>()) {
      std::cout << content.get_as<std::string>(2) << std::flush;
    }
  }
};

}  // namespace

io_system_config::io_system_config(loop::io_pool& io) : pool(io) {
  module_factories.push_back([](caf::actor_system& system) -> caf::actor_system::module* {
    auto& cfg = static_cast<const io_system_config&>(system.config());
    return new io_scheduler(system, cfg.pool);
  });
  // A session handles a handful of messages per wake-up; a busy shared actor yields after this.
  set("scheduler.max-throughput", default_messages_per_resume);
}

io_scheduler::io_scheduler(caf::actor_system& system, loop::io_pool& pool)
    : super(system), pool_(pool), clock_(pool) {}

io_scheduler::~io_scheduler() = default;

void io_scheduler::start() {
  num_workers_ = pool_.size();
  for (std::size_t i = 0; i < pool_.size(); ++i) {
    workers_.push_back(std::make_shared<worker>(*this, i));
  }
  caf::actor_config cfg{workers_.front().get()};
  auto& sys = system();
  utility_actors_[printer_id] =
      caf::make_actor<direct_printer, caf::actor>(sys.next_actor_id(), sys.node(), &sys, cfg);
}

io_scheduler::worker* io_scheduler::caller() const noexcept {
  const auto index = pool_.current();
  return index ? workers_[*index].get() : nullptr;
}

io_scheduler::worker* io_scheduler::home_of(caf::resumable* what) const noexcept {
  const auto kind = what->subtype();
  if (kind != caf::resumable::scheduled_actor && kind != caf::resumable::io_actor) return nullptr;
  const auto* context = static_cast<caf::scheduled_actor*>(what)->context();
  for (const auto& w : workers_) {
    if (w.get() == context) return w.get();
  }
  return nullptr;
}

void io_scheduler::route(caf::resumable* what) {
  if (stopped_) return caf::scheduler::abstract_coordinator::cleanup_and_release(what);
  worker* here = caller();
  worker* target = home_of(what);
  if (target == nullptr) target = here;
  if (target == nullptr) target = workers_[next_++ % workers_.size()].get();
  if (target == here) {
    target->push_local(what);
  } else {
    target->push_remote(what);
  }
}

void io_scheduler::enqueue(caf::resumable* what) { route(what); }

bool io_scheduler::barrier(bool last) {
  std::vector<std::future<bool>> done;
  for (const auto& w : workers_) {
    auto reached = std::make_shared<std::promise<bool>>();
    done.push_back(reached->get_future());
    boost::asio::post(pool_.context(w->index()), [w, reached, last] {
      // CAF's spawn leaves a thread-local reference to the system's logger on the spawning
      // thread; the system's destructor waits for the logger's, so the io threads let go of it.
      if (last) caf::logger::set_current_actor_system(nullptr);
      reached->set_value(w->quiet());
    });
  }
  bool quiet = true;
  for (auto& f : done) quiet = f.get() && quiet;
  return quiet;
}

void io_scheduler::stop() {
  // The system's own actors were told to exit just before: let that, and what it causes, run out.
  constexpr int max_rounds = 1000;
  for (int round = 0; round < max_rounds && !barrier(); ++round) {
  }
  clock_.cancel_all();
  (void)barrier();  // the cancelled timers' handlers ran and let go of their actors
  stopped_ = true;
  for (auto& w : workers_) w->stop();
  // Two rounds: the first lets every thread see the flag, the second runs what they posted before.
  (void)barrier();
  (void)barrier(true);
  for (auto& w : workers_) w->release_all();
  utility_actors_[printer_id] = nullptr;
}

std::uint64_t io_scheduler::cross_thread_wakeups() const {
  std::uint64_t total = 0;
  for (const auto& w : workers_) total += w->remote_pushes();
  return total;
}

std::vector<std::uint64_t> io_scheduler::resumes_per_thread() const {
  std::vector<std::uint64_t> counts;
  for (const auto& w : workers_) counts.push_back(w->resumes());
  return counts;
}

}  // namespace qgate::scheduler
