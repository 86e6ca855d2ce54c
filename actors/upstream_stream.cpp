#include "actors/upstream_stream.hpp"

#include "messages/actor_protocol.hpp"
#include "upstream/provider.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace qgate::actors {
namespace {

// Runs on the io thread of the transfer (the actor's own): it collects a turn's events and only
// enqueues. One message per turn instead of one per event: each message from this thread may have
// to wake a CAF worker, and a short answer brings status, body and end in the same turn.
class mailbox_observer final : public upstream::transfer_observer {
 public:
  explicit mailbox_observer(upstream_actor target) : target_(std::move(target)) {}
  void on_status(upstream::response_head head) override { pending_.head = head; }
  void on_data(std::string bytes) override {
    if (pending_.bytes.empty()) {
      pending_.bytes = std::move(bytes);
    } else {
      pending_.bytes += bytes;
    }
  }
  void on_done(upstream::transfer_outcome outcome) override { pending_.done = std::move(outcome); }
  void flush() override {
    if (pending_.empty()) return;
    caf::anon_send(target_, batch_atom::value, std::exchange(pending_, {}));
  }

 private:
  upstream_actor target_;
  upstream_batch pending_;
};

struct stream_state {
  stream_state() = default;  // not an aggregate: see session_state in chat_session.cpp
  std::unique_ptr<upstream::call_decoder> decoder;  // set once the call's provider is known
  std::vector<upstream::decoded> out;
  std::optional<std::int64_t> retry_after_s;  // from the response head
};

void forward(upstream_actor::stateful_pointer<stream_state> self, const session_actor& session) {
  for (auto& value : self->state.out) {
    std::visit(
        [&](auto& item) {
          if constexpr (std::is_same_v<std::decay_t<decltype(item)>, error>) {
            self->send(session, upstream_failure{std::move(item), self->state.retry_after_s});
          } else {
            self->send(session, std::move(item));
          }
        },
        value);
  }
  self->state.out.clear();
  if (self->state.decoder->finished()) self->quit();
}

upstream_actor::behavior_type upstream_stream(upstream_actor::stateful_pointer<stream_state> self,
                                              session_actor session, upstream::http_call call,
                                              upstream::transfer_limits limits,
                                              std::shared_ptr<upstream::curl_driver> driver) {
  self->state.decoder = upstream::make_decoder(call.kind, call.stream);
  auto observer = std::make_shared<mailbox_observer>(caf::actor_cast<upstream_actor>(self));
  const auto id = driver->start(std::move(call), limits, std::move(observer));
  // Whatever ends this actor (session gone, shutdown) also ends the transfer — unless the transfer
  // ended first: a cancel would only wake the driver's thread for nothing.
  auto finished = std::make_shared<bool>(false);
  self->attach_functor([driver, id, finished] {
    if (!*finished) driver->cancel(id);
  });
  return {
      [=](batch_atom, upstream_batch& batch) {
        auto& decoder = *self->state.decoder;
        if (batch.head) {
          decoder.on_status(batch.head->http_status);
          self->state.retry_after_s = batch.head->retry_after_s;
        }
        if (!batch.bytes.empty()) decoder.on_bytes(batch.bytes, self->state.out);
        if (batch.done) {
          *finished = true;
          decoder.on_end(*batch.done, self->state.out);
        }
        forward(self, session);
        if (batch.done) self->quit();
      },
      [=](pause_atom) { driver->pause(id); },
      [=](resume_atom) { driver->resume(id); },
  };
}

}  // namespace

upstream_actor spawn_upstream_stream(session_actor::pointer session, upstream::http_call call,
                                     upstream::transfer_limits limits,
                                     std::shared_ptr<upstream::curl_driver> driver) {
  return session->spawn<caf::linked>(upstream_stream, caf::actor_cast<session_actor>(session),
                                     std::move(call), limits, std::move(driver));
}

}  // namespace qgate::actors
