#include "actors/chat_session.hpp"

#include "actors/rate_limiter.hpp"
#include "actors/upstream_stream.hpp"
#include "actors/utc_time.hpp"
#include "messages/actor_protocol.hpp"
#include "messages/error_mapping.hpp"
#include "messages/untrusted_text.hpp"
#include "metrics/gateway_metrics.hpp"
#include "upstream/generation_request.hpp"
#include "upstream/retry_after.hpp"

#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <random>

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
  // Attempts: the model serving (the request's, or a fallback's), the key of the attempt under
  // way, the keys tried for this model, and whether anything reached the client (then no retry).
  std::string served_model;
  std::shared_ptr<const upstream_provider> provider;  // of the attempt under way (or the last)
  std::optional<std::size_t> key;                     // in the provider's pool
  std::vector<std::size_t> tried;
  int attempts = 0;     // for the serving model
  bool waited = false;  // the wait before the same key again is over
  std::size_t fallback_step = 0;
  bool committed = false;
  std::optional<upstream_failure> last_failure;
  // The operator's view: this call's series (tenant, serving model), when its last chunk went
  // out, and the time spent waiting on upstream attempts (what the gateway adds is the rest).
  metrics::request_metrics meter;
  std::chrono::steady_clock::time_point last_chunk{};
  std::optional<std::chrono::steady_clock::time_point> first_token;
  std::optional<std::chrono::steady_clock::time_point> attempt_started;
  std::chrono::steady_clock::duration upstream_time{};
  bool stream_counted = false;

  void end_attempt(std::chrono::steady_clock::time_point now) {
    if (attempt_started) upstream_time += now - *attempt_started;
    attempt_started.reset();
  }
};

using session_self = session_actor::stateful_pointer<session_state>;

metrics::limit_kind kind_of(refusal reason) {
  switch (reason) {
    case refusal::tpm:
      return metrics::limit_kind::tpm;
    case refusal::streams:
      return metrics::limit_kind::streams;
    case refusal::model:
      return metrics::limit_kind::model;
    case refusal::none:
    case refusal::rpm:
      break;
  }
  return metrics::limit_kind::rpm;
}

// How the call's exchange with its (last) upstream ended, for qgate_upstream_calls_total.
metrics::upstream_outcome outcome_of(const session_state& s, int status) {
  if (status == 200) return metrics::upstream_outcome::ok;
  if (status == client_closed_status) return metrics::upstream_outcome::cancelled;
  const auto code = s.last_failure ? s.last_failure->err.code : errc::upstream_error;
  switch (code) {
    case errc::rate_limited:
      return metrics::upstream_outcome::rate_limited;
    case errc::timeout:
      return metrics::upstream_outcome::timeout;
    case errc::upstream_error:
      return metrics::upstream_outcome::server_error;
    default:
      return metrics::upstream_outcome::client_error;
  }
}

// Once per admitted call, however it ends: free its limiter slots, settle its tokens, and write
// its ledger row (cancelled and failed calls record what was generated).
void settle(session_self self, const session_context& context, const chat_request& request,
            const response_sink_ptr& sink, int status) {
  auto& state = self->state;
  if (state.settled || !state.tenant) return;
  state.settled = true;
  const auto now = std::chrono::steady_clock::now();
  state.end_attempt(now);
  const auto count = [](std::int64_t tokens) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, tokens));
  };
  state.meter.input_tokens.inc(count(state.usage.input_tokens));
  state.meter.output_tokens.inc(count(state.usage.output_tokens));
  if (state.stream_counted) metrics::gateway().open_streams().dec();
  if (state.provider) state.provider->meter.calls(outcome_of(state, status)).inc();
  const auto& name = state.tenant->name;
  self->send(context.limiter, release_atom::value, name, state.served_model, request.stream,
             state.estimated_tokens, state.usage.total_tokens);
  const auto elapsed = now - state.started;
  usage_record row{utc_now(),
                   name,
                   state.served_model,
                   request.stream,
                   status,
                   state.usage.input_tokens,
                   state.usage.output_tokens,
                   state.usage.total_tokens,
                   std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(),
                   request.request_id};
  self->send(context.ledger, std::move(row));
  const auto micros = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  };
  call_summary summary;
  summary.tenant = name;
  summary.model = state.served_model;
  summary.upstream_status =
      status == 200 ? 200 : (state.last_failure ? state.last_failure->err.upstream_status : 0);
  summary.ttft_us = state.first_token ? micros(*state.first_token - state.started) : -1;
  summary.usage = state.usage;
  summary.upstream_us = micros(state.upstream_time);
  sink->set_call_summary(std::move(summary));
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
std::string_view attempt_key(session_self self) {
  const auto& s = self->state;
  return s.key && s.provider ? std::string_view(s.provider->keys->secret(*s.key))
                             : std::string_view();
}

void send_error(session_self self, const chat_request& request, const response_sink_ptr& sink,
                error err) {
  err.detail = redact_secrets(err.detail, {attempt_key(self), request.api_key});
  sink->send_error(std::move(err));
}

void fail(session_self self, const session_context& context, const chat_request& request,
          const response_sink_ptr& sink, error err) {
  settle(self, context, request, sink, static_cast<int>(map_error(err).status));
  send_error(self, request, sink, std::move(err));
  end_session(self);
}

// An upstream failure that ends the call: throttling keeps its Retry-After.
void fail_upstream(session_self self, const session_context& context, const chat_request& request,
                   const response_sink_ptr& sink, upstream_failure failure) {
  // Throttled: always a Retry-After (1 s without a hint); a failing upstream: when one is known.
  if (failure.err.code == errc::rate_limited ||
      (failure.err.code == errc::upstream_error && failure.retry_after_s)) {
    rate_limit_info info;
    info.retry_after_s = upstream::client_retry_after(failure.retry_after_s);
    sink->set_rate_limit(info);
  }
  fail(self, context, request, sink, std::move(failure.err));
}

// The wait before the same key is tried again: doubling from retry_backoff, with jitter.
std::chrono::milliseconds backoff(const session_context& context, int attempts) {
  thread_local std::minstd_rand random{std::random_device{}()};
  const auto ceiling = context.retry_backoff * (std::int64_t{1} << std::min(attempts - 1, 10));
  std::uniform_int_distribution<std::int64_t> jitter(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds(jitter(random));
}

void fall_back(session_self self, std::shared_ptr<const session_context> context,
               const chat_request& request, const response_sink_ptr& sink);

bool has_fallback(const session_context& context, const chat_request& request, std::size_t step) {
  if (!context.fallbacks) return false;
  const auto chain = context.fallbacks->find(request.model);
  return chain != context.fallbacks->end() && step < chain->second.size();
}

// One attempt: a usable key for the serving model, now, or after a wait when the only usable key
// was tried already (a backoff) or every key is resting — within the retry deadline.
void start_attempt(session_self self, std::shared_ptr<const session_context> shared,
                   const chat_request& request, const response_sink_ptr& sink) {
  const auto& context = *shared;
  auto& s = self->state;
  const auto& provider = context.providers->for_model(s.served_model);
  if (s.provider != provider) {  // a fallback to a model another upstream serves
    s.provider = provider;
    s.tried.clear();
  }
  auto& keys = *provider->keys;
  if (keys.size() == 0) {
    return fail(self, context, request, sink,
                make_error(errc::upstream_unauthorized,
                           "no DashScope key is set (DASHSCOPE_API_KEY, DASHSCOPE_API_KEYS or "
                           "upstream.api_keys)"));
  }
  const auto now = std::chrono::steady_clock::now();
  const auto deadline = s.started + context.retry_deadline;
  const auto key = keys.pick(now, s.tried);
  if (!key) {
    if (keys.all_rejected()) {
      return fail(self, context, request, sink,
                  make_error(errc::upstream_unauthorized,
                             "upstream " + provider->name + " rejected every key"));
    }
    const auto usable = keys.next_usable(now).value_or(now);
    if (usable < deadline && usable - now <= context.retry_wait_max) {
      s.waited = true;  // the key has rested: no backoff on top
      return self->delayed_send(self, usable - now, attempt_atom::value);
    }
    if (!s.last_failure) {
      // Nothing sent yet: the upstream rests after other calls' throttling or failures. The
      // answer says which, and when to come back.
      const auto wait =
          std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(usable - now).count());
      s.last_failure =
          keys.resting_for_failures(now)
              ? upstream_failure{make_error(errc::upstream_error,
                                            "upstream " + provider->name +
                                                " keeps failing: its circuit breaker is open"),
                                 wait}
              : upstream_failure{
                    make_error(errc::rate_limited, "every key of upstream " + provider->name +
                                                       " is cooling down after throttling"),
                    wait};
    }
    if (has_fallback(context, request, s.fallback_step) && context.retries->try_spend()) {
      return fall_back(self, shared, request, sink);
    }
    return fail_upstream(self, context, request, sink, std::move(*s.last_failure));
  }
  const bool again = std::find(s.tried.begin(), s.tried.end(), *key) != s.tried.end();
  if (again && !s.waited && s.attempts > 0) {
    s.waited = true;
    const auto wait = backoff(context, s.attempts);
    if (now + wait >= deadline) {
      return fail_upstream(self, context, request, sink, std::move(*s.last_failure));
    }
    return self->delayed_send(self, wait, attempt_atom::value);
  }
  s.waited = false;
  s.key = key;
  ++s.attempts;
  auto call = [&] {
    const auto& secret = keys.secret(*key);
    if (s.served_model == request.model) {
      return upstream::build_call(provider->kind, request, provider->base_url, secret);
    }
    auto fallback = request;  // a fallback's call: the same request to another model
    fallback.model = s.served_model;
    return upstream::build_call(provider->kind, fallback, provider->base_url, secret);
  }();
  if (!request.traceparent.empty()) call.headers.push_back("traceparent: " + request.traceparent);
  const auto& limits = request.stream ? provider->stream_limits : provider->unary_limits;
  provider->meter.attempts.inc();
  s.attempt_started = now;
  s.upstream = spawn_upstream_stream(self, std::move(call), limits, context.driver);
}

// The next model of the request's fallback chain that exists, the caller may use and has room
// under its cap; it then serves the call with fresh attempts. Ends the call when none is left.
void fall_back(session_self self, std::shared_ptr<const session_context> context,
               const chat_request& request, const response_sink_ptr& sink) {
  auto& s = self->state;
  if (!has_fallback(*context, request, s.fallback_step)) {
    return fail_upstream(self, *context, request, sink, std::move(*s.last_failure));
  }
  const std::string model = context->fallbacks->find(request.model)->second[s.fallback_step++];
  const auto skip = [=](std::string_view why) {
    spdlog::warn("request {}: fallback {} skipped: {}", request.request_id, model, why);
    fall_back(self, context, request, sink);
  };
  self->request(context->catalog, local_reply_wait, lookup_atom::value, request.api_key, model)
      .then(
          [=](lookup_reply& reply) {
            if (std::holds_alternative<error>(reply))
              return skip("not in the catalog for the caller");
            self->request(context->limiter, local_reply_wait, move_atom::value,
                          self->state.served_model, model)
                .then(
                    [=](bool moved) {
                      if (!moved) return skip("at its concurrency cap");
                      auto& state = self->state;
                      spdlog::warn("request {}: {} failed, {} serves it", request.request_id,
                                   state.served_model, model);
                      state.served_model = model;
                      state.meter = metrics::gateway().request(state.tenant->name, model);
                      state.attempts = 0;
                      state.tried.clear();
                      sink->set_served_model(model);
                      start_attempt(self, context, request, sink);
                    },
                    [=](const caf::error&) { skip("the limiter did not answer"); });
          },
          [=](const caf::error&) { skip("the catalog did not answer"); });
}

// A failed attempt: its key learns from it; another attempt follows when the failure may pass,
// nothing reached the client, and retries, deadline and the gateway's budget allow; else the
// fallback chain; else the call fails.
void on_attempt_failed(session_self self, std::shared_ptr<const session_context> context,
                       const chat_request& request, const response_sink_ptr& sink,
                       upstream_failure failure) {
  auto& s = self->state;
  const auto now = std::chrono::steady_clock::now();
  s.end_attempt(now);
  const auto verdict = upstream::judge_failure(failure.err);
  std::optional<std::chrono::seconds> hint;
  if (failure.retry_after_s) hint = std::chrono::seconds(*failure.retry_after_s);
  std::string_view fingerprint = "-";
  if (s.key) {
    s.provider->keys->report(*s.key, verdict.key, now, hint);
    fingerprint = s.provider->keys->fingerprint(*s.key);
    s.tried.push_back(*s.key);
    if (verdict.key == upstream::key_outcome::rejected) {
      spdlog::error(
          "upstream {} rejected the credential {} (qgate's key, not the caller's): it "
          "is out of rotation until SIGHUP or a successful probe",
          s.provider->name, fingerprint);
    }
  }
  s.upstream = nullptr;
  const bool may_retry = verdict.retry && !s.committed;
  const auto detail = redact_secrets(failure.err.detail, {attempt_key(self), request.api_key});
  s.key.reset();
  if (!may_retry) return fail_upstream(self, *context, request, sink, std::move(failure));
  s.last_failure = std::move(failure);
  const bool in_time = now < s.started + context->retry_deadline;
  if (in_time && s.attempts <= context->max_retries && context->retries->try_spend()) {
    spdlog::warn("request {}: attempt {} on {} with key {} failed ({}); retrying",
                 request.request_id, s.attempts, s.served_model, fingerprint, detail);
    return start_attempt(self, context, request, sink);
  }
  spdlog::warn("request {}: attempt {} on {} with key {} failed ({}); no retry left",
               request.request_id, s.attempts, s.served_model, fingerprint, detail);
  if (in_time && has_fallback(*context, request, s.fallback_step) &&
      context->retries->try_spend()) {
    return fall_back(self, context, request, sink);
  }
  fail_upstream(self, *context, request, sink, std::move(*s.last_failure));
}

void admit(session_self self, std::shared_ptr<const session_context> context,
           std::shared_ptr<const chat_request> call, response_sink_ptr sink, tenant_info tenant) {
  const auto estimated = estimate_tokens(prompt_bytes(*call), call->max_tokens.value_or(0));
  self->request(context->limiter, local_reply_wait, admit_atom::value, tenant, call->model,
                call->stream, estimated)
      .then(
          [=](admission& decision) mutable {
            sink->set_rate_limit(decision.info);
            if (!decision.admitted) {
              if (decision.info.refused_by != refusal::none) {
                metrics::gateway()
                    .rate_limited(tenant.name, kind_of(decision.info.refused_by))
                    .inc();
              }
              send_error(
                  self, *call, sink,
                  make_error(errc::rate_limited, "tenant " + tenant.name + " over its limits"));
              return self->quit();
            }
            auto& state = self->state;
            state.meter = metrics::gateway().request(tenant.name, call->model);
            if (call->stream) {
              metrics::gateway().open_streams().inc();
              state.stream_counted = true;
            }
            state.tenant = std::move(tenant);
            state.estimated_tokens = estimated;
            state.served_model = call->model;
            if (context->retries) context->retries->on_call();
            start_attempt(self, context, *call, sink);
          },
          [=](const caf::error&) {
            send_error(self, *call, sink,
                       make_error(errc::internal_error, "rate limiter did not answer"));
            self->quit();
          });
}

session_actor::behavior_type chat_session(session_self self,
                                          std::shared_ptr<const session_context> context,
                                          chat_request first, response_sink_ptr sink) {
  // One copy of the request for the session's life: every handler below shares it.
  const auto call = std::make_shared<const chat_request>(std::move(first));
  self->set_default_handler(caf::drop);
  // Cancellation (client gone, shutdown) arrives as an exit message: record, then go.
  self->set_exit_handler([=](caf::exit_msg& message) {
    // An upstream call that ended (linked to the session) is not a cancellation: a retry may
    // follow it.
    if (message.reason == caf::exit_reason::normal) return;
    settle(self, *context, *call, sink, client_closed_status);
    if (self->state.upstream) self->send_exit(self->state.upstream, message.reason);
    self->quit(message.reason);
  });
  self->request(context->catalog, local_reply_wait, lookup_atom::value, call->api_key, call->model)
      .then(
          [=](lookup_reply& reply) {
            if (auto* failure = std::get_if<error>(&reply)) {
              send_error(self, *call, sink, std::move(*failure));
              return self->quit();
            }
            admit(self, context, call, sink, std::get<tenant_info>(std::move(reply)));
          },
          [=](const caf::error&) {
            send_error(self, *call, sink,
                       make_error(errc::internal_error, "catalog did not answer"));
            self->quit();
          });
  return {
      [=](chat_delta& delta) {
        auto& s = self->state;
        s.usage = delta.usage;
        const bool last = delta.finish.has_value();
        if (!s.committed) {
          // Nothing is sent for an empty step: until something real arrives, the call may still
          // be retried on another key.
          if (!last && delta.content.empty() && delta.reasoning_content.empty() &&
              delta.tool_calls.empty()) {
            return;
          }
          s.committed = true;
          if (s.key)
            s.provider->keys->report(*s.key, upstream::key_outcome::success,
                                     std::chrono::steady_clock::now());
        }
        const auto now = std::chrono::steady_clock::now();
        if (!s.first_token) {
          s.first_token = now;
          s.meter.ttft.observe(now - s.started);
        } else {
          s.meter.inter_chunk.observe(now - s.last_chunk);
        }
        s.last_chunk = now;
        if (!last) {
          sink->send_delta(std::move(delta));
          return apply_backpressure(self, *context, sink);
        }
        // Settled (counted, summarised) before the last frame goes out: a client that reads it
        // and then scrapes /metrics finds the call counted.
        settle(self, *context, *call, sink, 200);
        sink->send_delta(std::move(delta));
        end_session(self);
      },
      [=](chat_completion& completion) {
        self->state.usage = completion.usage;
        self->state.committed = true;
        self->state.first_token = std::chrono::steady_clock::now();  // all of it, at once
        if (self->state.key) {
          self->state.provider->keys->report(*self->state.key, upstream::key_outcome::success,
                                             std::chrono::steady_clock::now());
        }
        settle(self, *context, *call, sink, 200);
        sink->send_completion(std::move(completion));
        end_session(self);
      },
      [=](upstream_failure& failure) {
        on_attempt_failed(self, context, *call, sink, std::move(failure));
      },
      [=](attempt_atom) { start_attempt(self, context, *call, sink); },
      // The gateway ends the call (shutdown): answered and recorded like any failure.
      [=](end_atom, error& reason) { fail(self, *context, *call, sink, std::move(reason)); },
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
