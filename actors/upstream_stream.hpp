// One upstream call: drives a curl transfer and turns its bytes into chat values for the session.
#pragma once

#include "upstream/curl_driver.hpp"

#include <caf/actor.hpp>

#include <memory>

namespace caf {
class event_based_actor;
}

namespace qgate::actors {

// Spawned linked to `session` (its exit cancels the transfer). Sends the session chat_delta,
// chat_completion or error messages; it quits after the final one.
caf::actor spawn_upstream_stream(caf::event_based_actor* session, upstream::http_call call,
                                 upstream::transfer_limits limits,
                                 std::shared_ptr<upstream::curl_driver> driver);

}  // namespace qgate::actors
