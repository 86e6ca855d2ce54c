// The rate-limiter actors: admission and release of chat calls (see rate_limits.hpp). There is one
// per io thread, in front of one shared_rate_limits: each tenant's numbers have one owner, and an
// admission costs an uncontended lock held for a few hundred nanoseconds instead of a hop to a
// limiter on another thread (two cross-thread wake-ups, tens of µs, for half the requests at two
// threads; see BENCHMARKS.md).
//
// With limits.redis_url the limits are the fleet's: each limiter asks Redis through the
// redis::shared_limits of its own io thread (one script call per admission), answering the session
// when Redis does; when Redis does not answer in time it decides with shared_rate_limits instead.
// Each held call is released to the side that admitted it.
#pragma once

#include "actors/rate_limits.hpp"
#include "messages/actor_protocol.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace qgate::redis {
class shared_limits;
}

namespace qgate::actors {

using limiter_clock = std::function<std::chrono::steady_clock::time_point()>;

// The limits of every tenant and model, for all limiter actors.
class shared_rate_limits {
 public:
  explicit shared_rate_limits(std::int64_t model_max_concurrency)
      : limits_(model_max_concurrency) {}
  [[nodiscard]] admission admit(const tenant_info& tenant, const std::string& model, bool stream,
                                std::int64_t estimated, rate_limits::clock::time_point now);
  void release(const std::string& tenant, const std::string& model, bool stream,
               std::int64_t estimated, std::int64_t used, rate_limits::clock::time_point now);
  [[nodiscard]] bool move_call(const std::string& from, const std::string& to);

 private:
  std::mutex mutex_;
  rate_limits limits_;
};

// The limiter's protocol: a session asks for admission and later releases what it was admitted
// with. A change to either message fails to compile wherever it is sent.
using limiter_actor = caf::typed_actor<
    caf::replies_to<admit_atom, tenant_info, std::string, bool, std::int64_t>::with<admission>,
    // tenant, model, stream, estimated tokens, used tokens
    caf::reacts_to<release_atom, std::string, std::string, bool, std::int64_t, std::int64_t>,
    // a fallback serves the call: from model, to model → moved (false: `to` is at its cap)
    caf::replies_to<move_atom, std::string, std::string>::with<bool>,
    // internal, from the limiter's Redis callbacks: request id, Redis answered, its answer
    caf::reacts_to<shared_admit_atom, std::uint64_t, bool, admission>,
    caf::reacts_to<shared_move_atom, std::uint64_t, bool, bool>>;

// Answers (admit_atom, tenant_info, model, stream, estimated_tokens) with an `admission`, and takes
// (release_atom, tenant, model, stream, estimated_tokens, used_tokens). `now` is injectable.
limiter_actor spawn_rate_limiter(
    caf::actor_system& system, std::shared_ptr<shared_rate_limits> shared,
    limiter_clock now = [] { return std::chrono::steady_clock::now(); });
// The same, sharing the limits of the fleet through `redis` (nullptr: in-process only), which
// lives on the io thread this is called from; `shared` is the fallback while Redis is away.
limiter_actor spawn_rate_limiter(
    caf::actor_system& system, std::shared_ptr<shared_rate_limits> shared,
    std::shared_ptr<redis::shared_limits> redis,
    limiter_clock now = [] { return std::chrono::steady_clock::now(); });
// A limiter with limits of its own (tests).
limiter_actor spawn_rate_limiter(
    caf::actor_system& system, std::int64_t model_max_concurrency,
    limiter_clock now = [] { return std::chrono::steady_clock::now(); });

}  // namespace qgate::actors

// The limiter's answer stays in the process: no serialization needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::actors::admission)
