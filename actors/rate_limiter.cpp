#include "actors/rate_limiter.hpp"

#include "actors/rate_limits.hpp"
#include "messages/actor_protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace qgate::actors {
namespace {

struct limiter_state {
  rate_limits limits;
};

caf::behavior rate_limiter(caf::stateful_actor<limiter_state>* self, std::int64_t model_cap,
                           limiter_clock now) {
  self->state.limits = rate_limits(model_cap);
  return {
      [=](admit_atom, const tenant_info& tenant, const std::string& model, bool stream,
          std::int64_t estimated) -> admission {
        return self->state.limits.admit(tenant, model, stream, estimated, now());
      },
      [=](release_atom, const std::string& tenant, const std::string& model, bool stream,
          std::int64_t estimated, std::int64_t used) {
        self->state.limits.release(tenant, model, stream, estimated, used, now());
      },
  };
}

}  // namespace

caf::actor spawn_rate_limiter(caf::actor_system& system, std::int64_t model_max_concurrency,
                              limiter_clock now) {
  return system.spawn(rate_limiter, model_max_concurrency, std::move(now));
}

}  // namespace qgate::actors
