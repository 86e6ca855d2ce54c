// One upstream call: drives a curl transfer and turns its bytes into chat values for the session.
#pragma once

#include "messages/actor_protocol.hpp"
#include "upstream/curl_driver.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <optional>
#include <string>

namespace qgate::actors {

// What one turn of the driver's loop brought for a transfer, delivered as one message.
struct upstream_batch {
  std::optional<upstream::response_head> head;
  std::string bytes;
  std::optional<upstream::transfer_outcome> done;

  [[nodiscard]] bool empty() const { return !head && bytes.empty() && !done; }
};

}  // namespace qgate::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::actors::upstream_batch)

namespace qgate::actors {

// The session's protocol: what its upstream call tells it, the gateway's "answer this and stop"
// (shutdown), and the connection's "drained, go on" (backpressure).
using session_actor =
    caf::typed_actor<caf::reacts_to<chat_delta>, caf::reacts_to<chat_completion>,
                     caf::reacts_to<upstream_failure>, caf::reacts_to<end_atom, error>,
                     caf::reacts_to<resume_atom>, caf::reacts_to<attempt_atom>>;

// The upstream call's protocol: the transfer's events (from its curl driver) and the session's
// backpressure.
using upstream_actor = caf::typed_actor<caf::reacts_to<batch_atom, upstream_batch>,
                                        caf::reacts_to<pause_atom>, caf::reacts_to<resume_atom>>;

// Spawned linked to `session` (its exit cancels the transfer). Sends the session chat_delta,
// chat_completion or upstream_failure messages; it quits after the final one.
upstream_actor spawn_upstream_stream(session_actor::pointer session, upstream::http_call call,
                                     upstream::transfer_limits limits,
                                     std::shared_ptr<upstream::curl_driver> driver);

}  // namespace qgate::actors
