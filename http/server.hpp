// The HTTP front door: one listener per io thread (SO_REUSEPORT) and the set of open connections.
#pragma once

#include "http/server_options.hpp"
#include "loop/io_pool.hpp"
#include "messages/error.hpp"
#include "messages/gateway.hpp"

#include <cstdint>
#include <memory>

namespace qgate::http {

class server {
 public:
  // Connections run on `pool`'s io threads; the pool outlives the server.
  server(server_options options, gateway& backend, loop::io_pool& pool);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens; returns the bound port (useful with port 0).
  [[nodiscard]] result<std::uint16_t> listen();
  // Starts accepting on every io thread (which must be running); returns at once.
  void start();
  // Graceful shutdown, step zero: /readyz answers 503 from now on; everything else is served.
  void set_unready() noexcept;
  // Graceful shutdown, step one: no new connections, idle keep-alive connections close, requests
  // in flight finish and then close.
  void drain();
  std::size_t open_connections() const noexcept;
  // Graceful shutdown, step two (grace period over): chats in flight get a final "shutting down"
  // answer, then everything still open is closed.
  void close_all();
  // Closes the listeners; the connections still open end with the io threads (the pool's stop).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace qgate::http
