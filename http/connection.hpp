// Internal to http/: what the listener needs to know about connections.
#pragma once

#include "http/log_throttle.hpp"
#include "http/route_table.hpp"
#include "http/server_options.hpp"
#include "messages/gateway.hpp"
#include "metrics/gateway_metrics.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace qgate::http {

class connection_control {
 public:
  virtual ~connection_control() = default;
  // Closes the connection if no request is in flight; otherwise it closes after the response.
  virtual void close_when_idle() = 0;
  // Ends what is in flight (a chat gets a final "shutting down" answer first) and closes.
  virtual void close_now() = 0;
};

// State every connection shares with the listener.
struct server_shared {
  server_shared(server_options o, gateway& g) : options(std::move(o)), backend(g) {}

  const server_options options;
  gateway& backend;
  std::atomic<bool> draining{false};
  std::atomic<bool> unready{false};  // shutting down: /readyz says 503 (set before draining)
  // Each route's series, resolved once (qgate_http_* by route).
  std::array<metrics::route_metrics*, route_count> route_meters = resolve_route_meters();
  static std::array<metrics::route_metrics*, route_count> resolve_route_meters();
  // At most one line a second for the whole process, whichever listener sees the condition.
  shared_log_throttle exhausted_log{std::chrono::seconds(1)};
  shared_log_throttle over_limit_log{std::chrono::seconds(1)};

  std::uint64_t add(std::weak_ptr<connection_control> connection);
  void remove(std::uint64_t id);
  void close_all_when_idle();
  void close_all_now();
  std::size_t size() const;

 private:
  std::vector<std::shared_ptr<connection_control>> open_connections() const;
  mutable std::mutex mutex_;  // taken on connect and disconnect only, never per request
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection_control>> connections_;
};

void start_connection(boost::asio::ip::tcp::socket socket, std::shared_ptr<server_shared> shared);

}  // namespace qgate::http
