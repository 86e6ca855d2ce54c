// Drives one hiredis redisAsyncContext from a boost::asio::io_context (hiredis 0.14 has no Asio
// adapter): its addRead/delRead/addWrite/delWrite/cleanup hooks become async_waits on a
// non-owning stream_descriptor. hiredis owns and closes the socket; the descriptor is released
// before it does. Everything runs on the io_context's one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <functional>
#include <memory>
#include <string>

struct redisAsyncContext;

namespace qgate::redis {

class asio_events : public std::enable_shared_from_this<asio_events> {
 public:
  // Told once, from inside hiredis, that the context is being freed (by hiredis on an error, or
  // by its owner): why, or "" when the owner freed it.
  using gone_handler = std::function<void(const std::string& why)>;

  struct token {};  // attach() only
  asio_events(token, boost::asio::io_context& io, redisAsyncContext* context, gone_handler gone);
  ~asio_events();
  asio_events(const asio_events&) = delete;
  asio_events& operator=(const asio_events&) = delete;

  // Installs the hooks on `context` (just connected, not yet attached) and waits for the
  // connect to finish. Pending waits keep the adapter alive; it outlives the context safely.
  static std::shared_ptr<asio_events> attach(boost::asio::io_context& io,
                                             redisAsyncContext* context, gone_handler gone);
  // The owner is going away: cleanup() must not call it any more.
  void forget_owner() noexcept { gone_ = nullptr; }

 private:
  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);

  void arm_read();
  void arm_write();

  boost::asio::posix::stream_descriptor socket_;
  redisAsyncContext* context_;  // null once hiredis freed it
  gone_handler gone_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool reading_ = false;  // an async_wait is pending
  bool writing_ = false;
};

}  // namespace qgate::redis
