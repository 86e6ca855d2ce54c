#include "loop/io_pool.hpp"

#include <boost/asio/post.hpp>

#include <future>

namespace qgate::loop {
namespace {

// Set on each io thread for its lifetime: which pool it belongs to and its index there.
thread_local const io_pool* current_pool = nullptr;
thread_local std::size_t current_index = 0;

// Runs `io` until it is stopped. With a busy-poll budget, a quiet loop polls (epoll_wait with a
// zero timeout, on the CPU) for up to that long after its last handler before it blocks in the
// kernel.
void run(boost::asio::io_context& io, std::chrono::microseconds busy_poll) {
  if (busy_poll <= std::chrono::microseconds::zero()) {
    io.run();
    return;
  }
  using clock = std::chrono::steady_clock;
  auto last_work = clock::now();
  while (!io.stopped()) {
    if (io.poll() > 0) {
      last_work = clock::now();
    } else if (clock::now() - last_work >= busy_poll && io.run_one() > 0) {
      last_work = clock::now();
    }
  }
}

}  // namespace

std::size_t default_io_threads() noexcept {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

io_pool::io_pool(std::size_t threads, std::chrono::microseconds busy_poll) : busy_poll_(busy_poll) {
  if (threads == 0) threads = default_io_threads();
  loops_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) loops_.push_back(std::make_unique<loop>());
}

io_pool::~io_pool() { stop(); }

void io_pool::start() {
  if (!threads_.empty()) return;
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([this, i] {
      current_pool = this;
      current_index = i;
      run(loops_[i]->io, busy_poll_);
      current_pool = nullptr;
    });
  }
}

void io_pool::stop() {
  for (auto& l : loops_) l->io.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

std::optional<std::size_t> io_pool::current() const noexcept {
  if (current_pool != this) return std::nullopt;
  return current_index;
}

void io_pool::run_on(std::size_t index, const std::function<void()>& f) {
  if (threads_.empty() || current() == index) return f();
  std::promise<void> done;
  boost::asio::post(loops_[index]->io, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

void io_pool::run_on_each(const std::function<void(std::size_t)>& f) {
  for (std::size_t i = 0; i < loops_.size(); ++i) run_on(i, [&] { f(i); });
}

}  // namespace qgate::loop
