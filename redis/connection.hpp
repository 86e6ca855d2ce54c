// One Redis connection on one io_context thread: connects (AUTH, SELECT, SCRIPT LOAD), sends
// commands with a deadline each, runs Lua scripts by EVALSHA, and reconnects with a short capped
// backoff when the connection fails or a reply is late. While it is not connected every command
// is answered at once with "no reply": callers never wait on a Redis that is away.
#pragma once

#include "messages/error.hpp"
#include "redis/options.hpp"
#include "redis/url.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct redisAsyncContext;
struct redisReply;

namespace qgate::redis {

class asio_events;

// Runs exactly once: with the reply (valid during the call only), or with nullptr when none came
// in time, the connection was down or failed. It may run before the sending call returns.
using reply_callback = std::function<void(const redisReply* reply)>;

class connection : public std::enable_shared_from_this<connection> {
 public:
  using clock = std::chrono::steady_clock;
  struct token {};  // create() only

  // `scripts` are loaded on every connect; eval() runs them by index. Starts connecting.
  [[nodiscard]] static result<std::shared_ptr<connection>> create(boost::asio::io_context& io,
                                                                  const options& opts,
                                                                  std::vector<std::string> scripts);
  connection(token, boost::asio::io_context& io, const options& opts, endpoint where,
             std::vector<std::string> scripts);
  ~connection();  // on its io thread: pending callbacks are dropped, not run
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Connected, authenticated and scripts loaded.
  [[nodiscard]] bool connected() const noexcept { return state_ == state::ready; }
  // Times the connection went from up (or starting) to unreachable.
  [[nodiscard]] std::uint64_t outages() const noexcept { return outages_; }
  [[nodiscard]] const endpoint& where() const noexcept { return where_; }
  // Runs each time the connection becomes ready.
  void on_ready(std::function<void()> f) { on_ready_ = std::move(f); }

  void command(const std::vector<std::string>& argv, reply_callback done);
  // EVALSHA of script `index`; on NOSCRIPT (a SCRIPT FLUSH, a failover) EVAL, which reloads it,
  // within the first attempt's deadline. `args` are KEYS then ARGV, `keys` of them keys.
  void eval(std::size_t index, std::size_t keys, const std::vector<std::string>& args,
            reply_callback done);

 private:
  enum class state { down, resolving, connecting, ready };
  struct pending {
    std::uint64_t id;
    clock::time_point deadline;
    reply_callback done;
  };

  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);
  void take_reply(std::uint64_t id, const redisReply* reply);
  void send(const std::vector<std::string>& argv, clock::time_point deadline, reply_callback done);
  void connect_now();
  void open(const std::string& address);
  void handshake();
  void teardown(const std::string& why);
  void context_gone(const std::string& why);
  void fail_pending();
  void lost(const std::string& why);
  void schedule_reconnect();
  void watch(clock::time_point deadline);
  void on_timer();

  boost::asio::io_context& io_;
  options options_;
  endpoint where_;
  std::vector<std::string> scripts_;
  std::vector<std::string> shas_;  // from SCRIPT LOAD, per script
  // Written on the io thread only; read also by readiness checks on others (/readyz).
  std::atomic<state> state_{state::down};
  redisAsyncContext* context_ = nullptr;  // owned: freed by teardown, or by hiredis on errors
  std::shared_ptr<asio_events> events_;
  std::deque<pending> pending_;  // in send order: Redis answers in order
  std::uint64_t next_id_ = 0;
  std::uint64_t epoch_ = 0;  // one per connect attempt: stale handshake replies are ignored
  clock::time_point connect_deadline_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_timer_;  // the earliest deadline among pending_ and connect
  clock::time_point timer_at_ = clock::time_point::max();
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_;
  std::string closing_reason_;  // why teardown() dropped the connection
  bool in_outage_ = false;
  bool ever_ready_ = false;
  bool destroying_ = false;
  std::uint64_t outages_ = 0;
  std::function<void()> on_ready_;
};

}  // namespace qgate::redis
