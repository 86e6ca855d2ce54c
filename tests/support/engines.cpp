#include "tests/support/engines.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace qgate::testing {
namespace {

constexpr const char* postgres_bin = "/usr/lib/postgresql/15/bin";

std::filesystem::path make_temp_dir(const char* prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Single quotes for sh.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

redis_server::redis_server() : dir_(make_temp_dir("qgate-redis-")), port_(free_port()) {
  ok_ = start();
}

redis_server::~redis_server() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string redis_server::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "/0";
}

bool redis_server::start() {
  if (process_) return accepts(port_);
  process_ = std::make_unique<child_process>(
      "/usr/bin/redis-server",
      std::vector<std::string>{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir",
                               dir_.string(), "--save", "", "--appendonly", "no"},
      std::map<std::string, std::string>{});
  return wait_until_accepting(port_, std::chrono::seconds(10));
}

void redis_server::stop() {
  if (!process_) return;
  resume();  // a stopped process would never see the SIGTERM
  process_->terminate(std::chrono::seconds(10));
  process_.reset();
}

bool redis_server::flush_all() const {
  const auto line = "redis-cli -p " + std::to_string(port_) + " FLUSHALL >/dev/null";
  return std::system(line.c_str()) == 0;
}

void redis_server::pause() {
  if (process_) ::kill(process_->pid(), SIGSTOP);
}

void redis_server::resume() {
  if (process_) ::kill(process_->pid(), SIGCONT);
}

postgres_cluster::postgres_cluster() : dir_(make_temp_dir("qgate-pg-")), port_(free_port()) {
  if (dir_.empty()) return;
  if (::geteuid() == 0 && !run("true")) return;
  if (::geteuid() == 0) std::system(("chown postgres " + quoted(dir_.string())).c_str());
  ok_ = run(std::string(postgres_bin) + "/initdb -D " + quoted((dir_ / "data").string()) +
            " -A trust -U postgres -E UTF8 --no-locale >" + quoted((dir_ / "initdb.log").string()) +
            " 2>&1") &&
        start();
}

postgres_cluster::~postgres_cluster() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool postgres_cluster::run(const std::string& command) const {
  const std::string line =
      ::geteuid() == 0 ? "runuser -u postgres -- sh -c " + quoted(command) : command;
  return std::system(line.c_str()) == 0;
}

std::string postgres_cluster::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

bool postgres_cluster::start() {
  const auto options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                       " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
                       " -c synchronous_commit=off -c max_connections=200";
  return run(std::string(postgres_bin) + "/pg_ctl -D " + quoted((dir_ / "data").string()) + " -o " +
             quoted(options) + " -l " + quoted((dir_ / "server.log").string()) +
             " -w -t 60 start >/dev/null") &&
         wait_until_accepting(port_, std::chrono::seconds(10));
}

void postgres_cluster::stop() {
  if (dir_.empty() || !std::filesystem::exists(dir_ / "data" / "postmaster.pid")) return;
  run(std::string(postgres_bin) + "/pg_ctl -D " + quoted((dir_ / "data").string()) +
      " -m fast -w -t 60 stop >/dev/null");
}

bool postgres_cluster::psql(const std::string& database, const std::string& sql) const {
  const auto line = "psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port_) +
                    " -U postgres -d " + quoted(database) + " -c " + quoted(sql) + " >/dev/null";
  return std::system(line.c_str()) == 0;
}

std::string postgres_cluster::create_database() {
  const auto name = "qgate_" + std::to_string(++databases_);
  return psql("postgres", "CREATE DATABASE " + name) ? url(name) : std::string();
}

}  // namespace qgate::testing
