#include "actors/rate_limiter.hpp"

#include "actors/rate_limits.hpp"
#include "messages/actor_protocol.hpp"
#include "redis/shared_limits.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/result.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace qgate::actors {
namespace {

// What an admitted call holds until its session releases it.
struct held_call {
  std::string tenant;
  std::string model;
  bool stream = false;
  std::int64_t estimated = 0;
  std::string slot;  // non-empty: Redis admitted it and gets its release; empty: local limits
};

// An admission waiting for Redis; the tenant decides locally if Redis does not answer in time.
struct waiting_admit {
  caf::typed_response_promise<admission> promise;
  caf::strong_actor_ptr session;
  tenant_info tenant;
  held_call call;
};

struct waiting_move {
  caf::typed_response_promise<bool> promise;
  caf::actor_addr session;
  std::string to;
};

struct limiter_state {
  std::shared_ptr<shared_rate_limits> shared;
  std::shared_ptr<redis::shared_limits> redis;  // this io thread's; nullptr: in-process only
  // Admitted calls by session. The limiter monitors each: a session that ends without releasing
  // (it was cancelled while its admission was on the way) still frees its slots.
  std::unordered_map<caf::actor_addr, held_call> held;
  std::unordered_map<std::uint64_t, waiting_admit> admits;  // by request id
  std::unordered_map<std::uint64_t, waiting_move> moves;
  std::uint64_t next_request = 0;
};

using limiter_self = limiter_actor::stateful_pointer<limiter_state>;

// From a Redis callback (on this io thread, outside the actor) to the limiter: only a message,
// never its state. A limiter that ended meanwhile gets nothing.
template <class... Ts>
void tell(const caf::actor_addr& limiter, Ts&&... xs) {
  if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(limiter))
    caf::anon_send(caf::actor_cast<limiter_actor>(strong), std::forward<Ts>(xs)...);
}

void hold(limiter_self self, const caf::strong_actor_ptr& session, held_call call) {
  if (!session) return;
  self->state.held[caf::actor_cast<caf::actor_addr>(session)] = std::move(call);
  self->monitor(session);  // a session that has ended already is reported at once
}

void release_call(limiter_self self, const held_call& call, std::int64_t used,
                  const limiter_clock& now) {
  if (!call.slot.empty()) return self->state.redis->release(call.slot, used);
  self->state.shared->release(call.tenant, call.model, call.stream, call.estimated, used, now());
}

held_call* held_by(limiter_self self, const caf::strong_actor_ptr& session) {
  if (!session) return nullptr;
  auto found = self->state.held.find(caf::actor_cast<caf::actor_addr>(session));
  return found == self->state.held.end() ? nullptr : &found->second;
}

caf::result<admission> admit_shared(limiter_self self, const tenant_info& tenant,
                                    const std::string& model, bool stream, std::int64_t estimated) {
  auto& state = self->state;
  const auto id = ++state.next_request;
  auto slot = state.redis->next_slot_id();
  auto& waiting = state.admits[id];
  waiting.session = self->current_sender();  // before the promise, which takes it over
  waiting.promise = self->make_response_promise<admission>();
  waiting.tenant = tenant;
  waiting.call = held_call{tenant.name, model, stream, estimated, slot};
  state.redis->admit(tenant, model, stream, estimated, slot,
                     [me = self->address(), id](std::optional<redis::admit_result> answer) {
                       admission decision;
                       if (answer) decision = admission{answer->admitted, answer->info};
                       tell(me, shared_admit_atom::value, id, answer.has_value(), decision);
                     });
  return waiting.promise;
}

limiter_actor::behavior_type rate_limiter(limiter_self self,
                                          std::shared_ptr<shared_rate_limits> shared,
                                          std::shared_ptr<redis::shared_limits> redis,
                                          limiter_clock now) {
  self->state.shared = std::move(shared);
  self->state.redis = std::move(redis);
  self->set_down_handler([=](caf::down_msg& down) {
    auto found = self->state.held.find(down.source);
    if (found == self->state.held.end()) return;
    const auto call = std::move(found->second);
    self->state.held.erase(found);
    release_call(self, call, 0, now);
  });
  return {
      [=](admit_atom, const tenant_info& tenant, const std::string& model, bool stream,
          std::int64_t estimated) -> caf::result<admission> {
        auto& state = self->state;
        const auto& session = self->current_sender();
        // Redis answers later, for a session it can hold to account; else decide here, now.
        if (state.redis && session && state.redis->connected())
          return admit_shared(self, tenant, model, stream, estimated);
        auto decision = state.shared->admit(tenant, model, stream, estimated, now());
        if (decision.admitted) hold(self, session, {tenant.name, model, stream, estimated, {}});
        return decision;
      },
      [=](shared_admit_atom, std::uint64_t id, bool answered, admission decision) {
        auto found = self->state.admits.find(id);
        if (found == self->state.admits.end()) return;
        auto waiting = std::move(found->second);
        self->state.admits.erase(found);
        if (!answered) {  // Redis is away or late: this instance's limits decide
          const auto& call = waiting.call;
          decision = self->state.shared->admit(waiting.tenant, call.model, call.stream,
                                               call.estimated, now());
          waiting.call.slot.clear();
        }
        if (decision.admitted) hold(self, waiting.session, std::move(waiting.call));
        waiting.promise.deliver(decision);
      },
      [=](release_atom, const std::string& tenant, const std::string& model, bool stream,
          std::int64_t estimated, std::int64_t used) {
        // Messages from one sender keep their order, so a release always precedes its down.
        if (const auto& session = self->current_sender()) {
          const auto address = caf::actor_cast<caf::actor_addr>(session);
          if (auto found = self->state.held.find(address); found != self->state.held.end()) {
            const auto call = std::move(found->second);
            self->state.held.erase(found);
            self->demonitor(address);
            return release_call(self, call, used, now);
          }
        }
        self->state.shared->release(tenant, model, stream, estimated, used, now());
      },
      [=](move_atom, const std::string& from, const std::string& to) -> caf::result<bool> {
        auto& state = self->state;
        const auto session = self->current_sender();  // a copy: the promise takes the sender
        auto* call = held_by(self, session);
        if (call == nullptr || call->slot.empty()) {
          if (!state.shared->move_call(from, to)) return false;
          // What the limiter frees if the session ends without releasing is now the new model's.
          if (call != nullptr) call->model = to;
          return true;
        }
        const auto id = ++state.next_request;
        auto& waiting = state.moves[id];
        waiting.promise = self->make_response_promise<bool>();
        waiting.session = caf::actor_cast<caf::actor_addr>(session);
        waiting.to = to;
        state.redis->move(call->slot, to, [me = self->address(), id](std::optional<bool> moved) {
          tell(me, shared_move_atom::value, id, moved.has_value(), moved.value_or(false));
        });
        return waiting.promise;
      },
      [=](shared_move_atom, std::uint64_t id, bool answered, bool moved) {
        auto found = self->state.moves.find(id);
        if (found == self->state.moves.end()) return;
        auto waiting = std::move(found->second);
        self->state.moves.erase(found);
        // Redis did not answer: the fallback goes ahead and the call's slot stays counted on its
        // first model until it is released (a cap overshoot, never a refused fallback).
        if (!answered) moved = true;
        if (auto held = self->state.held.find(waiting.session);
            answered && moved && held != self->state.held.end())
          held->second.model = waiting.to;
        waiting.promise.deliver(moved);
      },
  };
}

}  // namespace

admission shared_rate_limits::admit(const tenant_info& tenant, const std::string& model,
                                    bool stream, std::int64_t estimated,
                                    rate_limits::clock::time_point now) {
  std::lock_guard lock(mutex_);
  return limits_.admit(tenant, model, stream, estimated, now);
}

bool shared_rate_limits::move_call(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  return limits_.move_call(from, to);
}

void shared_rate_limits::release(const std::string& tenant, const std::string& model, bool stream,
                                 std::int64_t estimated, std::int64_t used,
                                 rate_limits::clock::time_point now) {
  std::lock_guard lock(mutex_);
  limits_.release(tenant, model, stream, estimated, used, now);
}

limiter_actor spawn_rate_limiter(caf::actor_system& system,
                                 std::shared_ptr<shared_rate_limits> shared, limiter_clock now) {
  return spawn_rate_limiter(system, std::move(shared), nullptr, std::move(now));
}

limiter_actor spawn_rate_limiter(caf::actor_system& system,
                                 std::shared_ptr<shared_rate_limits> shared,
                                 std::shared_ptr<redis::shared_limits> redis, limiter_clock now) {
  return system.spawn(rate_limiter, std::move(shared), std::move(redis), std::move(now));
}

limiter_actor spawn_rate_limiter(caf::actor_system& system, std::int64_t model_max_concurrency,
                                 limiter_clock now) {
  return spawn_rate_limiter(system, std::make_shared<shared_rate_limits>(model_max_concurrency),
                            std::move(now));
}

}  // namespace qgate::actors
