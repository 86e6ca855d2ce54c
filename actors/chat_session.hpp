// One chat request from validation to the last byte: model check, upstream call, delivery.
#pragma once

#include "actors/catalog_actor.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/upstream_stream.hpp"
#include "config/upstream_lists.hpp"
#include "messages/chat.hpp"
#include "messages/response_sink.hpp"
#include "metrics/gateway_metrics.hpp"
#include "upstream/curl_driver.hpp"
#include "upstream/key_pool.hpp"
#include "upstream/provider.hpp"
#include "upstream/retry_budget.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace qgate::actors {

// One upstream as sessions use it: its protocol, address, keys (with their health) and timeouts.
// The [upstream] section is the DashScope provider; [[providers]] add others by model.
struct upstream_provider {
  std::string name;
  upstream::provider_kind kind = upstream::provider_kind::dashscope;
  std::string base_url;
  std::shared_ptr<upstream::key_pool> keys;  // shared by every io thread; one empty key: no auth
  upstream::transfer_limits stream_limits;
  upstream::transfer_limits unary_limits;
  metrics::provider_metrics meter;  // qgate_upstream_{calls,attempts}_total{provider=name}
};

struct provider_table {
  std::vector<std::shared_ptr<const upstream_provider>> all;  // the first: [upstream] (DashScope)
  std::unordered_map<std::string, std::size_t> by_model;      // models other providers serve
  [[nodiscard]] const std::shared_ptr<const upstream_provider>& for_model(
      const std::string& model) const {
    const auto found = by_model.find(model);
    return all[found == by_model.end() ? 0 : found->second];
  }
};

// What every session shares; built once at start-up.
struct session_context {
  catalog_actor catalog;
  limiter_actor limiter;
  ledger_actor ledger;
  std::shared_ptr<upstream::curl_driver> driver;
  std::shared_ptr<const provider_table> providers;
  std::shared_ptr<upstream::retry_budget> retries;  // gateway-wide
  int max_retries = 2;  // more attempts per model, only before anything reached the client
  std::chrono::milliseconds retry_deadline{30000};  // no new attempt after this since the start
  std::chrono::milliseconds retry_backoff{200};     // first wait before the same key again
  std::chrono::milliseconds retry_wait_max{2000};   // longest wait for a key to cool down
  std::shared_ptr<const config::fallback_chains> fallbacks;
  std::size_t queue_high_water = 256 << 10;
};

session_actor spawn_chat_session(caf::actor_system& system,
                                 std::shared_ptr<const session_context> context,
                                 chat_request request, response_sink_ptr sink);

}  // namespace qgate::actors
