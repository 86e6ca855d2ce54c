// One chat request from validation to the last byte: model check, upstream call, delivery.
#pragma once

#include "actors/catalog_actor.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/upstream_stream.hpp"
#include "messages/chat.hpp"
#include "messages/response_sink.hpp"
#include "upstream/curl_driver.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace qgate::actors {

// What every session shares; built once at start-up.
struct session_context {
  catalog_actor catalog;
  limiter_actor limiter;
  ledger_actor ledger;
  std::shared_ptr<upstream::curl_driver> driver;
  std::string base_url;
  std::string api_key;
  upstream::transfer_limits stream_limits;
  upstream::transfer_limits unary_limits;
  std::size_t queue_high_water = 256 << 10;
};

session_actor spawn_chat_session(caf::actor_system& system,
                                 std::shared_ptr<const session_context> context,
                                 chat_request request, response_sink_ptr sink);

}  // namespace qgate::actors
