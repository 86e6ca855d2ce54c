#include "actors/rate_limiter.hpp"

#include "actors/rate_limits.hpp"
#include "messages/actor_protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <string>
#include <unordered_map>

namespace qgate::actors {
namespace {

// What an admitted call holds until its session releases it.
struct held_call {
  std::string tenant;
  std::string model;
  bool stream = false;
  std::int64_t estimated = 0;
};

struct limiter_state {
  std::shared_ptr<shared_rate_limits> shared;
  // Admitted calls by session. The limiter monitors each: a session that ends without releasing
  // (it was cancelled while its admission was on the way) still frees its slots.
  std::unordered_map<caf::actor_addr, held_call> held;
};

limiter_actor::behavior_type rate_limiter(limiter_actor::stateful_pointer<limiter_state> self,
                                          std::shared_ptr<shared_rate_limits> shared,
                                          limiter_clock now) {
  self->state.shared = std::move(shared);
  self->set_down_handler([=](caf::down_msg& down) {
    auto found = self->state.held.find(down.source);
    if (found == self->state.held.end()) return;
    const auto& call = found->second;
    self->state.shared->release(call.tenant, call.model, call.stream, call.estimated, 0, now());
    self->state.held.erase(found);
  });
  return {
      [=](admit_atom, const tenant_info& tenant, const std::string& model, bool stream,
          std::int64_t estimated) -> admission {
        auto decision = self->state.shared->admit(tenant, model, stream, estimated, now());
        if (const auto& session = self->current_sender(); decision.admitted && session) {
          self->state.held[caf::actor_cast<caf::actor_addr>(session)] =
              held_call{tenant.name, model, stream, estimated};
          self->monitor(session);
        }
        return decision;
      },
      [=](release_atom, const std::string& tenant, const std::string& model, bool stream,
          std::int64_t estimated, std::int64_t used) {
        // Messages from one sender keep their order, so a release always precedes its down.
        if (const auto& session = self->current_sender()) {
          const auto address = caf::actor_cast<caf::actor_addr>(session);
          self->state.held.erase(address);
          self->demonitor(address);
        }
        self->state.shared->release(tenant, model, stream, estimated, used, now());
      },
      [=](move_atom, const std::string& from, const std::string& to) -> bool {
        if (!self->state.shared->move_call(from, to)) return false;
        // What the limiter frees if the session ends without releasing is now the new model's.
        if (const auto& session = self->current_sender()) {
          auto found = self->state.held.find(caf::actor_cast<caf::actor_addr>(session));
          if (found != self->state.held.end()) found->second.model = to;
        }
        return true;
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
  return system.spawn(rate_limiter, std::move(shared), std::move(now));
}

limiter_actor spawn_rate_limiter(caf::actor_system& system, std::int64_t model_max_concurrency,
                                 limiter_clock now) {
  return spawn_rate_limiter(system, std::make_shared<shared_rate_limits>(model_max_concurrency),
                            std::move(now));
}

}  // namespace qgate::actors
