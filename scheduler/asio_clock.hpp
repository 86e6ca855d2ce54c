// CAF's actor clock on the io threads' Asio timers: timeouts, request timeouts and delayed sends
// fire on an io thread, so no clock thread exists.
#pragma once

#include <caf/actor_clock.hpp>
#include <caf/group.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include <cstdint>
#include <memory>

namespace qgate::loop {
class io_pool;
}

namespace qgate::scheduler {

class asio_clock final : public caf::actor_clock {
 public:
  explicit asio_clock(loop::io_pool& pool);
  ~asio_clock() override;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            std::uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         std::uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                        caf::message content) override;
  // Drops every pending event (the scheduler's stop); their timers end on their own threads.
  void cancel_all() override;

  // Events set and not yet fired or cancelled (tests).
  [[nodiscard]] std::size_t pending() const;

  struct event;  // one pending timer and what it delivers
  struct book;   // the pending events, shared with the timers' handlers

 private:
  void arm(time_point t, std::shared_ptr<event> e);
  void cancel_where(caf::actor_id owner, bool (*match)(const event&, const void*), const void* key);

  loop::io_pool& pool_;
  // Timer handlers hold the book too: one that completes after the clock is gone finds its event
  // cancelled and does nothing.
  std::shared_ptr<book> book_;
};

}  // namespace qgate::scheduler
