// The rate-limiter actor: admission and release of chat calls (see rate_limits.hpp). One actor
// serialises the arithmetic without locks; each message is a few hundred nanoseconds of work.
#pragma once

#include "actors/rate_limits.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include <chrono>
#include <cstdint>
#include <functional>

namespace qgate::actors {

using limiter_clock = std::function<std::chrono::steady_clock::time_point()>;

// Answers (admit_atom, tenant_info, model, stream, estimated_tokens) with an `admission`, and takes
// (release_atom, tenant, model, stream, estimated_tokens, used_tokens). `now` is injectable.
caf::actor spawn_rate_limiter(
    caf::actor_system& system, std::int64_t model_max_concurrency,
    limiter_clock now = [] { return std::chrono::steady_clock::now(); });

}  // namespace qgate::actors

// The limiter's answer stays in the process: no serialization needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::actors::admission)
