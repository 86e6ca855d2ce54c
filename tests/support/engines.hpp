// Real engines for the fleet's tests: a redis-server and a PostgreSQL 15 cluster of their own, in
// temporary directories on free ports, stopped and removed on destruction. PostgreSQL refuses to
// run as root, so as root its commands run as the `postgres` user (runuser).
#pragma once

#include "tests/support/child_process.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace qgate::testing {

// A port nobody listens on right now (the kernel's choice).
[[nodiscard]] std::uint16_t free_port();

class redis_server {
 public:
  redis_server();  // started; `ok()` tells whether it answers
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string url() const;  // redis://127.0.0.1:PORT/0
  void stop();
  bool start();            // same port (running already: nothing to do); true once it answers
  bool flush_all() const;  // every key of every database gone
  void pause();            // SIGSTOP: it holds connections and answers nothing
  void resume();

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
  bool ok_ = false;
};

class postgres_cluster {
 public:
  postgres_cluster();  // initdb + started; `ok()` tells whether it answers
  ~postgres_cluster();
  postgres_cluster(const postgres_cluster&) = delete;
  postgres_cluster& operator=(const postgres_cluster&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // postgresql://postgres@127.0.0.1:PORT/DATABASE
  [[nodiscard]] std::string url(const std::string& database = "postgres") const;
  // A fresh empty database; its URL ("" if it could not be created).
  [[nodiscard]] std::string create_database();
  // Runs one SQL statement with psql as the superuser; true on success.
  bool psql(const std::string& database, const std::string& sql) const;
  void stop();   // fast shutdown: clients are disconnected
  bool start();  // same port and data; true once it accepts connections

 private:
  bool run(const std::string& command) const;  // as postgres when root
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  int databases_ = 0;
  bool ok_ = false;
};

}  // namespace qgate::testing
