#include "actors/upstream_stream.hpp"

#include "messages/actor_protocol.hpp"
#include "upstream/response_decoder.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::upstream::transfer_outcome)

namespace qgate::actors {
namespace {

// Runs on the curl driver thread: it only enqueues, never blocks.
class mailbox_observer final : public upstream::transfer_observer {
 public:
  explicit mailbox_observer(caf::actor target) : target_(std::move(target)) {}
  void on_status(long http_status) override {
    caf::anon_send(target_, status_atom::value, http_status);
  }
  void on_data(std::string bytes) override {
    caf::anon_send(target_, bytes_atom::value, std::move(bytes));
  }
  void on_done(upstream::transfer_outcome outcome) override {
    caf::anon_send(target_, ended_atom::value, std::move(outcome));
  }

 private:
  caf::actor target_;
};

struct stream_state {
  std::optional<upstream::response_decoder> decoder;  // set once the call's mode is known
  std::vector<upstream::decoded> out;
};

void forward(caf::stateful_actor<stream_state>* self, const caf::actor& session) {
  for (auto& value : self->state.out) {
    std::visit([&](auto& item) { self->send(session, std::move(item)); }, value);
  }
  self->state.out.clear();
  if (self->state.decoder->finished()) self->quit();
}

caf::behavior upstream_stream(caf::stateful_actor<stream_state>* self, caf::actor session,
                              upstream::http_call call, upstream::transfer_limits limits,
                              std::shared_ptr<upstream::curl_driver> driver) {
  self->state.decoder.emplace(call.stream);
  auto observer = std::make_shared<mailbox_observer>(caf::actor_cast<caf::actor>(self));
  const auto id = driver->start(std::move(call), limits, std::move(observer));
  // Whatever ends this actor (done, session gone, shutdown) also ends the transfer; cancelling a
  // finished transfer is a no-op.
  self->attach_functor([driver, id] { driver->cancel(id); });
  return {
      [=](status_atom, long http_status) { self->state.decoder->on_status(http_status); },
      [=](bytes_atom, const std::string& bytes) {
        self->state.decoder->on_bytes(bytes, self->state.out);
        forward(self, session);
      },
      [=](ended_atom, const upstream::transfer_outcome& outcome) {
        self->state.decoder->on_end(outcome, self->state.out);
        forward(self, session);
        self->quit();
      },
      [=](pause_atom) { driver->pause(id); },
      [=](resume_atom) { driver->resume(id); },
  };
}

}  // namespace

caf::actor spawn_upstream_stream(caf::event_based_actor* session, upstream::http_call call,
                                 upstream::transfer_limits limits,
                                 std::shared_ptr<upstream::curl_driver> driver) {
  return session->spawn<caf::linked>(upstream_stream, caf::actor_cast<caf::actor>(session),
                                     std::move(call), limits, std::move(driver));
}

}  // namespace qgate::actors
