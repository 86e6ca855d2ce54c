#include "scheduler/asio_clock.hpp"

#include "loop/io_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/abstract_actor.hpp>
#include <caf/abstract_group.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

#include <mutex>
#include <unordered_map>
#include <variant>
#include <vector>

namespace qgate::scheduler {

namespace {

struct timeout {  // an ordinary (receive) or multi timeout of `self`
  caf::strong_actor_ptr self;
  caf::atom_value type;
  std::uint64_t id = 0;
  bool ordinary = true;
};
struct request_timeout {
  caf::strong_actor_ptr self;
  caf::message_id id;
};
struct actor_message {
  caf::strong_actor_ptr receiver;
  caf::mailbox_element_ptr content;
};
struct group_message {
  caf::group target;
  caf::strong_actor_ptr sender;
  caf::message content;
};

}  // namespace

struct asio_clock::event {
  event(boost::asio::io_context& io, std::size_t loop_index) : timer(io), loop(loop_index) {}
  boost::asio::steady_timer timer;  // touched only on its io thread
  std::size_t loop;
  caf::actor_id owner = caf::invalid_actor_id;  // set for timeouts (cancellable)
  std::variant<std::monostate, timeout, request_timeout, actor_message, group_message> what;
};

struct asio_clock::book {
  std::mutex mutex;
  // Events that belong to an actor (its timeouts), by actor, for cancellation.
  std::unordered_multimap<caf::actor_id, std::shared_ptr<event>> by_actor;
  std::unordered_map<event*, std::shared_ptr<event>> all;  // every pending event

  // Takes a fired event out; false if it was cancelled meanwhile.
  bool take(const std::shared_ptr<event>& e);
};

bool asio_clock::book::take(const std::shared_ptr<event>& e) {
  std::lock_guard lock(mutex);
  if (all.erase(e.get()) == 0) return false;
  if (e->owner == caf::invalid_actor_id) return true;
  auto [first, last] = by_actor.equal_range(e->owner);
  for (auto i = first; i != last; ++i) {
    if (i->second == e) {
      by_actor.erase(i);
      break;
    }
  }
  return true;
}

namespace {

bool same_ordinary(const asio_clock::event& e, const void* key) {
  const auto* t = std::get_if<timeout>(&e.what);
  return t != nullptr && t->ordinary && t->type == *static_cast<const caf::atom_value*>(key);
}

bool same_request(const asio_clock::event& e, const void* key) {
  const auto* t = std::get_if<request_timeout>(&e.what);
  return t != nullptr && t->id == *static_cast<const caf::message_id*>(key);
}

bool any_event(const asio_clock::event&, const void*) { return true; }

// Delivers what a fired event carries, as CAF's own clock does.
void ship(asio_clock::event& e) {
  std::visit(
      [](auto& item) {
        using T = std::decay_t<decltype(item)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return;
        } else if constexpr (std::is_same_v<T, timeout>) {
          item.self->get()->eq_impl(caf::make_message_id(), item.self, nullptr,
                                    caf::timeout_msg{item.type, item.id});
        } else if constexpr (std::is_same_v<T, request_timeout>) {
          item.self->get()->eq_impl(item.id, item.self, nullptr, caf::sec::request_timeout);
        } else if constexpr (std::is_same_v<T, actor_message>) {
          item.receiver->enqueue(std::move(item.content), nullptr);
        } else {
          item.target->eq_impl(caf::make_message_id(), std::move(item.sender), nullptr,
                               std::move(item.content));
        }
      },
      e.what);
}

// Lets go of what a cancelled event holds at once (its actor may be the last reference, and the
// system must still exist when it goes), then cancels the timer on its own thread (a steady_timer
// is not thread-safe). Only a fired event taken out of the book is ever shipped, so nothing reads
// `what` concurrently.
void stop_timer(loop::io_pool& pool, std::shared_ptr<asio_clock::event> e) {
  e->what = std::monostate{};
  auto& io = pool.context(e->loop);
  if (pool.current() == e->loop) {
    e->timer.cancel();
    return;
  }
  boost::asio::post(io, [e = std::move(e)] { e->timer.cancel(); });
}

}  // namespace

asio_clock::asio_clock(loop::io_pool& pool) : pool_(pool), book_(std::make_shared<book>()) {}

asio_clock::~asio_clock() { cancel_all(); }

void asio_clock::arm(time_point t, std::shared_ptr<event> e) {
  {
    std::lock_guard lock(book_->mutex);
    book_->all.emplace(e.get(), e);
    if (e->owner != caf::invalid_actor_id) book_->by_actor.emplace(e->owner, e);
  }
  auto start = [t, e, book = book_]() mutable {
    e->timer.expires_at(t);
    e->timer.async_wait([e, book = std::move(book)](const boost::system::error_code& ec) {
      if (!ec && book->take(e)) ship(*e);
    });
  };
  if (pool_.current() == e->loop) return start();
  boost::asio::post(pool_.context(e->loop), std::move(start));
}

namespace {

// Events are armed on the caller's io thread, or on the first one for any other caller.
std::size_t loop_for(const loop::io_pool& pool) { return pool.current().value_or(0); }

}  // namespace

void asio_clock::set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                      std::uint64_t id) {
  cancel_ordinary_timeout(self, type);  // one receive timeout per actor and type
  const auto loop = loop_for(pool_);
  auto e = std::make_shared<event>(pool_.context(loop), loop);
  e->owner = self->id();
  e->what = timeout{self->ctrl(), type, id, true};
  arm(t, std::move(e));
}

void asio_clock::set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                                   std::uint64_t id) {
  const auto loop = loop_for(pool_);
  auto e = std::make_shared<event>(pool_.context(loop), loop);
  e->owner = self->id();
  e->what = timeout{self->ctrl(), type, id, false};
  arm(t, std::move(e));
}

void asio_clock::set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) {
  const auto loop = loop_for(pool_);
  auto e = std::make_shared<event>(pool_.context(loop), loop);
  e->owner = self->id();
  e->what = request_timeout{self->ctrl(), id};
  arm(t, std::move(e));
}

void asio_clock::cancel_where(caf::actor_id owner, bool (*match)(const event&, const void*),
                              const void* key) {
  std::vector<std::shared_ptr<event>> cancelled;
  {
    std::lock_guard lock(book_->mutex);
    auto [first, last] = book_->by_actor.equal_range(owner);
    for (auto i = first; i != last;) {
      if (match(*i->second, key)) {
        book_->all.erase(i->second.get());
        cancelled.push_back(std::move(i->second));
        i = book_->by_actor.erase(i);
      } else {
        ++i;
      }
    }
  }
  for (auto& e : cancelled) stop_timer(pool_, std::move(e));
}

void asio_clock::cancel_ordinary_timeout(caf::abstract_actor* self, caf::atom_value type) {
  cancel_where(self->id(), same_ordinary, &type);
}

void asio_clock::cancel_request_timeout(caf::abstract_actor* self, caf::message_id id) {
  cancel_where(self->id(), same_request, &id);
}

void asio_clock::cancel_timeouts(caf::abstract_actor* self) {
  cancel_where(self->id(), any_event, nullptr);
}

void asio_clock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                  caf::mailbox_element_ptr content) {
  const auto loop = loop_for(pool_);
  auto e = std::make_shared<event>(pool_.context(loop), loop);
  e->what = actor_message{std::move(receiver), std::move(content)};
  arm(t, std::move(e));
}

void asio_clock::schedule_message(time_point t, caf::group target, caf::strong_actor_ptr sender,
                                  caf::message content) {
  const auto loop = loop_for(pool_);
  auto e = std::make_shared<event>(pool_.context(loop), loop);
  e->what = group_message{std::move(target), std::move(sender), std::move(content)};
  arm(t, std::move(e));
}

void asio_clock::cancel_all() {
  std::unordered_map<event*, std::shared_ptr<event>> cancelled;
  {
    std::lock_guard lock(book_->mutex);
    cancelled.swap(book_->all);
    book_->by_actor.clear();
  }
  for (auto& [raw, e] : cancelled) stop_timer(pool_, std::move(e));
}

std::size_t asio_clock::pending() const {
  std::lock_guard lock(book_->mutex);
  return book_->all.size();
}

}  // namespace qgate::scheduler
