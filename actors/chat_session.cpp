#include "actors/chat_session.hpp"

#include "actors/upstream_stream.hpp"
#include "messages/actor_protocol.hpp"
#include "upstream/generation_request.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace qgate::actors {
namespace {

struct session_state {
  caf::actor upstream;
  bool paused = false;
};

using session_actor = caf::stateful_actor<session_state>;

void end_session(session_actor* self) {
  if (self->state.upstream) self->send_exit(self->state.upstream, caf::exit_reason::user_shutdown);
  self->quit();
}

// A slow client slows its own upstream read instead of growing our memory.
void apply_backpressure(session_actor* self, const session_context& context,
                        const response_sink_ptr& sink) {
  if (self->state.paused || sink->queued_bytes() <= context.queue_high_water) return;
  self->state.paused = true;
  self->send(self->state.upstream, pause_atom::value);
  sink->on_drained([session = caf::actor_cast<caf::actor>(self)] {
    caf::anon_send(session, resume_atom::value);
  });
}

void start_upstream(session_actor* self, const session_context& context,
                    const chat_request& request, const response_sink_ptr& sink) {
  if (context.api_key.empty()) {
    sink->send_error(make_error(errc::unauthorized, "DASHSCOPE_API_KEY is not set"));
    self->quit();
    return;
  }
  auto call = upstream::build_generation_call(request, context.base_url, context.api_key);
  const auto& limits = request.stream ? context.stream_limits : context.unary_limits;
  self->state.upstream = spawn_upstream_stream(self, std::move(call), limits, context.driver);
}

caf::behavior chat_session(session_actor* self, std::shared_ptr<const session_context> context,
                           chat_request request, response_sink_ptr sink) {
  self->set_default_handler(caf::drop);
  self->request(context->catalog, context->lookup_timeout, lookup_atom::value, request.model)
      .then(
          [=](const optional_model& model) {
            if (!model) {
              sink->send_error(make_error(errc::invalid_model, request.model));
              self->quit();
              return;
            }
            start_upstream(self, *context, request, sink);
          },
          [=](const caf::error&) {
            sink->send_error(make_error(errc::internal_error, "catalog did not answer"));
            self->quit();
          });
  return {
      [=](chat_delta& delta) {
        const bool last = delta.finish.has_value();
        sink->send_delta(std::move(delta));
        if (last) {
          end_session(self);
        } else {
          apply_backpressure(self, *context, sink);
        }
      },
      [=](chat_completion& completion) {
        sink->send_completion(std::move(completion));
        end_session(self);
      },
      [=](error& err) {
        sink->send_error(std::move(err));
        end_session(self);
      },
      [=](resume_atom) {
        if (!self->state.paused) return;
        self->state.paused = false;
        self->send(self->state.upstream, resume_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_chat_session(caf::actor_system& system,
                              std::shared_ptr<const session_context> context,
                              chat_request request, response_sink_ptr sink) {
  return system.spawn(chat_session, std::move(context), std::move(request), std::move(sink));
}

}  // namespace qgate::actors
