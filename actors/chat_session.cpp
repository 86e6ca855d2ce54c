#include "actors/chat_session.hpp"

#include "actors/rate_limiter.hpp"
#include "actors/upstream_stream.hpp"
#include "messages/actor_protocol.hpp"
#include "messages/error_mapping.hpp"
#include "messages/untrusted_text.hpp"
#include "upstream/generation_request.hpp"
#include "upstream/retry_after.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <ctime>

namespace qgate::actors {
namespace {

// The catalog and the limiter are local actors: they answer, or CAF bounces the request with an
// error once they are gone. A timeout would wake CAF's clock thread twice per request for nothing.
constexpr auto local_reply_wait = caf::infinite;

// Status of a request whose client went away (nginx's convention); recorded in the ledger.
constexpr int client_closed_status = 499;

struct session_state {
  // Not an aggregate: CAF's stateful_actor constructs its state from the actor pointer whenever it
  // can, and C++20 would let that initialise the first member (the upstream handle) with `self`.
  session_state() = default;
  upstream_actor upstream;
  bool paused = false;
  std::optional<tenant_info> tenant;  // set once admitted
  std::int64_t estimated_tokens = 0;
  token_usage usage;  // the latest the upstream reported
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool settled = false;
};

using session_self = session_actor::stateful_pointer<session_state>;

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  return text;
}

// Once per admitted call, however it ends: free its limiter slots, settle its tokens, and write
// its ledger row (cancelled and failed calls record what was generated).
void settle(session_self self, const session_context& context, const chat_request& request,
            int status) {
  auto& state = self->state;
  if (state.settled || !state.tenant) return;
  state.settled = true;
  const auto& name = state.tenant->name;
  self->send(context.limiter, release_atom::value, name, request.model, request.stream,
             state.estimated_tokens, state.usage.total_tokens);
  const auto elapsed = std::chrono::steady_clock::now() - state.started;
  usage_record row{utc_now(),
                   name,
                   request.model,
                   request.stream,
                   status,
                   state.usage.input_tokens,
                   state.usage.output_tokens,
                   state.usage.total_tokens,
                   std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(),
                   request.request_id};
  self->send(context.ledger, std::move(row));
}

void end_session(session_self self) {
  if (self->state.upstream) self->send_exit(self->state.upstream, caf::exit_reason::user_shutdown);
  self->quit();
}

// A slow client slows its own upstream read instead of growing our memory.
void apply_backpressure(session_self self, const session_context& context,
                        const response_sink_ptr& sink) {
  if (self->state.paused || sink->queued_bytes() <= context.queue_high_water) return;
  self->state.paused = true;
  self->send(self->state.upstream, pause_atom::value);
  sink->on_drained([session = caf::actor_cast<session_actor>(self)] {
    caf::anon_send(session, resume_atom::value);
  });
}

// The one way an error leaves a session. Its detail may quote the upstream (which can echo our
// request headers) or curl: neither the DashScope key nor the caller's reaches the client or a
// log, nor anything shaped like a credential.
void send_error(const session_context& context, const chat_request& request,
                const response_sink_ptr& sink, error err) {
  err.detail = redact_secrets(err.detail, {context.api_key, request.api_key});
  sink->send_error(std::move(err));
}

void fail(session_self self, const session_context& context, const chat_request& request,
          const response_sink_ptr& sink, error err) {
  settle(self, context, request, static_cast<int>(map_error(err).status));
  send_error(context, request, sink, std::move(err));
  end_session(self);
}

void start_upstream(session_self self, const session_context& context, const chat_request& request,
                    const response_sink_ptr& sink) {
  if (context.api_key.empty()) {
    return fail(self, context, request, sink,
                make_error(errc::unauthorized, "DASHSCOPE_API_KEY is not set"));
  }
  auto call = upstream::build_generation_call(request, context.base_url, context.api_key);
  const auto& limits = request.stream ? context.stream_limits : context.unary_limits;
  self->state.upstream = spawn_upstream_stream(self, std::move(call), limits, context.driver);
}

void admit(session_self self, std::shared_ptr<const session_context> context, chat_request request,
           response_sink_ptr sink, tenant_info tenant) {
  const auto estimated = estimate_tokens(prompt_bytes(request), request.max_tokens.value_or(0));
  self->request(context->limiter, local_reply_wait, admit_atom::value, tenant, request.model,
                request.stream, estimated)
      .then(
          [=](admission& decision) mutable {
            sink->set_rate_limit(decision.info);
            if (!decision.admitted) {
              send_error(
                  *context, request, sink,
                  make_error(errc::rate_limited, "tenant " + tenant.name + " over its limits"));
              return self->quit();
            }
            self->state.tenant = std::move(tenant);
            self->state.estimated_tokens = estimated;
            start_upstream(self, *context, request, sink);
          },
          [=](const caf::error&) {
            send_error(*context, request, sink,
                       make_error(errc::internal_error, "rate limiter did not answer"));
            self->quit();
          });
}

session_actor::behavior_type chat_session(session_self self,
                                          std::shared_ptr<const session_context> context,
                                          chat_request request, response_sink_ptr sink) {
  self->set_default_handler(caf::drop);
  // Cancellation (client gone, shutdown) arrives as an exit message: record, then go.
  self->set_exit_handler([=](caf::exit_msg& message) {
    settle(self, *context, request, client_closed_status);
    if (self->state.upstream) self->send_exit(self->state.upstream, message.reason);
    self->quit(message.reason);
  });
  self->request(context->catalog, local_reply_wait, lookup_atom::value, request.api_key,
                request.model)
      .then(
          [=](lookup_reply& reply) {
            if (auto* failure = std::get_if<error>(&reply)) {
              send_error(*context, request, sink, std::move(*failure));
              return self->quit();
            }
            admit(self, context, request, sink, std::get<tenant_info>(std::move(reply)));
          },
          [=](const caf::error&) {
            send_error(*context, request, sink,
                       make_error(errc::internal_error, "catalog did not answer"));
            self->quit();
          });
  return {
      [=](chat_delta& delta) {
        self->state.usage = delta.usage;
        const bool last = delta.finish.has_value();
        sink->send_delta(std::move(delta));
        if (!last) return apply_backpressure(self, *context, sink);
        settle(self, *context, request, 200);
        end_session(self);
      },
      [=](chat_completion& completion) {
        self->state.usage = completion.usage;
        settle(self, *context, request, 200);
        sink->send_completion(std::move(completion));
        end_session(self);
      },
      [=](upstream_failure& failure) {
        if (failure.err.code == errc::rate_limited) {
          rate_limit_info info;
          info.retry_after_s = upstream::client_retry_after(failure.retry_after_s);
          sink->set_rate_limit(info);
        }
        fail(self, *context, request, sink, std::move(failure.err));
      },
      // The gateway ends the call (shutdown): answered and recorded like any failure.
      [=](end_atom, error& reason) { fail(self, *context, request, sink, std::move(reason)); },
      [=](resume_atom) {
        if (!self->state.paused) return;
        self->state.paused = false;
        self->send(self->state.upstream, resume_atom::value);
      },
  };
}

}  // namespace

session_actor spawn_chat_session(caf::actor_system& system,
                                 std::shared_ptr<const session_context> context,
                                 chat_request request, response_sink_ptr sink) {
  return system.spawn(chat_session, std::move(context), std::move(request), std::move(sink));
}

}  // namespace qgate::actors
