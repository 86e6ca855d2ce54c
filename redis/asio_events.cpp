#include "redis/asio_events.hpp"

#include "redis/sigpipe_guard.hpp"

#include <hiredis/async.h>

namespace qgate::redis {
namespace {

asio_events& self_of(void* privdata) { return *static_cast<asio_events*>(privdata); }

}  // namespace

asio_events::asio_events(token, boost::asio::io_context& io, redisAsyncContext* context,
                         gone_handler gone)
    : socket_(io), context_(context), gone_(std::move(gone)) {}

asio_events::~asio_events() {
  // Never close hiredis's socket; by now cleanup() has released it, this is for the odd path.
  if (socket_.is_open()) socket_.release();
}

std::shared_ptr<asio_events> asio_events::attach(boost::asio::io_context& io,
                                                 redisAsyncContext* context, gone_handler gone) {
  auto events = std::make_shared<asio_events>(token{}, io, context, std::move(gone));
  boost::system::error_code ec;
  events->socket_.assign(context->c.fd, ec);
  if (ec) return nullptr;
  context->ev.data = events.get();
  context->ev.addRead = &asio_events::add_read;
  context->ev.delRead = &asio_events::del_read;
  context->ev.addWrite = &asio_events::add_write;
  context->ev.delWrite = &asio_events::del_write;
  context->ev.cleanup = &asio_events::cleanup;
  // hiredis learns that a non-blocking connect finished from the first write event.
  add_write(events.get());
  return events;
}

void asio_events::add_read(void* self) {
  auto& events = self_of(self);
  events.want_read_ = true;
  events.arm_read();
}

void asio_events::del_read(void* self) { self_of(self).want_read_ = false; }

void asio_events::add_write(void* self) {
  auto& events = self_of(self);
  events.want_write_ = true;
  events.arm_write();
}

void asio_events::del_write(void* self) { self_of(self).want_write_ = false; }

void asio_events::cleanup(void* self) {
  auto& events = self_of(self);
  std::string why;
  if (events.context_ != nullptr && events.context_->err != 0 && events.context_->errstr != nullptr)
    why = events.context_->errstr;
  else if (events.context_ != nullptr && events.context_->c.err != 0)
    why = events.context_->c.errstr;
  events.context_ = nullptr;
  events.want_read_ = events.want_write_ = false;
  // hiredis closes the fd right after this hook: Asio must forget it first (this also cancels
  // the pending waits, whose handlers then see operation_aborted).
  if (events.socket_.is_open()) events.socket_.release();
  if (auto gone = std::move(events.gone_)) gone(why);
}

// A wait that fires after the interest was withdrawn is ignored, and re-armed only on demand.
// The handlers hold the adapter, never the context: they check context_ before every use.
// Callbacks hiredis runs from here never throw (connection catches in its reply callback).
void asio_events::arm_read() {
  if (reading_ || context_ == nullptr) return;
  reading_ = true;
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->reading_ = false;
                       if (ec || self->context_ == nullptr || !self->want_read_) return;
                       redisAsyncHandleRead(self->context_);  // may free the context
                     });
}

void asio_events::arm_write() {
  if (writing_ || context_ == nullptr) return;
  writing_ = true;
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->writing_ = false;
                       if (ec || self->context_ == nullptr || !self->want_write_) return;
                       const sigpipe_guard no_sigpipe;  // a reset connection fails, not the process
                       redisAsyncHandleWrite(self->context_);  // may free the context
                     });
}

}  // namespace qgate::redis
