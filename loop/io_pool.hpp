// The process's event loops: one Asio io_context per io thread, and which one the caller runs on.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace qgate::loop {

class io_pool {
 public:
  // `threads` io_contexts; none runs until start(). Zero means one per core. `busy_poll`: how long
  // an io thread keeps polling for events after its last one before it sleeps in the kernel (zero:
  // it sleeps at once). Polling trades that much CPU per quiet spell for not paying a wake-up (and
  // cold caches) on the next event.
  explicit io_pool(std::size_t threads,
                   std::chrono::microseconds busy_poll = std::chrono::microseconds::zero());
  ~io_pool();  // stops and joins
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  // Starts one thread per io_context; each runs until stop(), even while it has no work.
  void start();
  // Stops every loop (pending handlers are dropped, not run) and joins the threads. Idempotent.
  void stop();

  [[nodiscard]] std::size_t size() const noexcept { return loops_.size(); }
  [[nodiscard]] boost::asio::io_context& context(std::size_t index) { return loops_[index]->io; }

  // Index of the io thread the caller runs on, if it is one of this pool's.
  [[nodiscard]] std::optional<std::size_t> current() const noexcept;

  // Runs `f` on io thread `index` and waits for it; inline when the loops are not running (or
  // when the caller is that thread). Start-up and shutdown only: never from another io thread.
  void run_on(std::size_t index, const std::function<void()>& f);
  // run_on for every io thread in turn.
  void run_on_each(const std::function<void(std::size_t)>& f);

 private:
  struct loop {
    boost::asio::io_context io{1};  // one thread per context: Asio may skip its locking hints
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{
        io.get_executor()};
  };
  std::vector<std::unique_ptr<loop>> loops_;
  std::vector<std::thread> threads_;
  std::chrono::microseconds busy_poll_;
};

// One per core (at least one).
[[nodiscard]] std::size_t default_io_threads() noexcept;

}  // namespace qgate::loop
