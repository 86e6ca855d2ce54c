#include "redis/connection.hpp"

#include "redis/asio_events.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

namespace qgate::redis {
namespace {

constexpr std::chrono::milliseconds first_backoff{100};
constexpr std::chrono::milliseconds max_backoff{1'000};  // shared again within ~1 s of a return

// The one place callers' code runs from inside hiredis: nothing may unwind through its C frames.
void answer(const reply_callback& done, const redisReply* reply) noexcept {
  if (!done) return;
  try {
    done(reply);
  } catch (const std::exception& e) {
    spdlog::error("redis: a reply callback threw: {}", e.what());
  } catch (...) {
    spdlog::error("redis: a reply callback threw");
  }
}

bool is_error(const redisReply* reply, std::string_view prefix = {}) {
  return reply != nullptr && reply->type == REDIS_REPLY_ERROR &&
         std::string_view(reply->str, reply->len).starts_with(prefix);
}

}  // namespace

result<std::shared_ptr<connection>> connection::create(boost::asio::io_context& io,
                                                       const options& opts,
                                                       std::vector<std::string> scripts) {
  auto where = parse_url(opts.url);
  if (!where) return where.error();
  auto made =
      std::make_shared<connection>(token{}, io, opts, std::move(where).value(), std::move(scripts));
  made->connect_now();
  return made;
}

connection::connection(token, boost::asio::io_context& io, const options& opts, endpoint where,
                       std::vector<std::string> scripts)
    : io_(io),
      options_(opts),
      where_(std::move(where)),
      scripts_(std::move(scripts)),
      shas_(scripts_.size()),
      resolver_(io),
      deadline_timer_(io),
      retry_timer_(io),
      backoff_(first_backoff) {}

connection::~connection() {
  destroying_ = true;
  pending_.clear();  // the owner is going away: nobody is left to answer
  if (events_) events_->forget_owner();
  if (context_ != nullptr) {
    context_->data = nullptr;  // on_reply ignores what hiredis still runs
    redisAsyncFree(std::exchange(context_, nullptr));
  }
}

void connection::command(const std::vector<std::string>& argv, reply_callback done) {
  if (state_ != state::ready) return answer(done, nullptr);
  send(argv, clock::now() + options_.timeout, std::move(done));
}

void connection::eval(std::size_t index, std::size_t keys, const std::vector<std::string>& args,
                      reply_callback done) {
  if (state_ != state::ready || index >= scripts_.size()) return answer(done, nullptr);
  const auto deadline = clock::now() + options_.timeout;
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(args.size() + 3);
  argv->push_back("EVALSHA");
  argv->push_back(shas_[index]);
  argv->push_back(std::to_string(keys));
  argv->insert(argv->end(), args.begin(), args.end());
  auto retry = [weak = weak_from_this(), index, deadline, argv,
                done = std::move(done)](const redisReply* reply) {
    if (!is_error(reply, "NOSCRIPT")) return answer(done, reply);
    auto self = weak.lock();
    if (!self || self->state_ != state::ready) return answer(done, nullptr);
    (*argv)[0] = "EVAL";  // runs the script and caches it again
    (*argv)[1] = self->scripts_[index];
    self->send(*argv, deadline, done);
  };
  send(*argv, deadline, std::move(retry));
}

void connection::send(const std::vector<std::string>& argv, clock::time_point deadline,
                      reply_callback done) {
  if (context_ == nullptr) return answer(done, nullptr);
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  const auto id = ++next_id_;
  // The id rides in hiredis's privdata: no allocation per command, and a reply for a command
  // that was already answered finds nothing.
  if (redisAsyncCommandArgv(
          context_, &connection::on_reply, reinterpret_cast<void*>(static_cast<std::uintptr_t>(id)),
          static_cast<int>(argv.size()), pointers.data(), lengths.data()) != REDIS_OK)
    return answer(done, nullptr);
  pending_.push_back(pending{id, deadline, std::move(done)});
  watch(deadline);
}

void connection::on_reply(redisAsyncContext* context, void* reply, void* privdata) {
  auto* self = static_cast<connection*>(context->data);
  if (self == nullptr) return;
  self->take_reply(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(privdata)),
                   static_cast<const redisReply*>(reply));
}

void connection::take_reply(std::uint64_t id, const redisReply* reply) {
  while (!pending_.empty() && pending_.front().id < id) {  // cannot happen: Redis keeps order
    auto skipped = std::move(pending_.front().done);
    pending_.pop_front();
    answer(skipped, nullptr);
  }
  if (pending_.empty() || pending_.front().id != id) return;
  auto done = std::move(pending_.front().done);
  pending_.pop_front();
  answer(done, reply);
}

void connection::connect_now() {
  ++epoch_;
  state_ = state::resolving;
  connect_deadline_ = clock::now() + options_.connect_timeout;
  watch(connect_deadline_);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(where_.host, ec);
  if (!ec) return open(address.to_string());
  // hiredis would resolve with a blocking getaddrinfo on the io thread: Asio resolves aside.
  resolver_.async_resolve(
      where_.host, std::to_string(where_.port),
      [weak = weak_from_this(), epoch = epoch_](
          const boost::system::error_code& failed,
          const boost::asio::ip::tcp::resolver::results_type& results) {
        auto self = weak.lock();
        if (!self || self->epoch_ != epoch || self->state_ != state::resolving) return;
        if (failed || results.empty())
          return self->lost("cannot resolve " + self->where_.host + ": " + failed.message());
        self->open(results.begin()->endpoint().address().to_string());
      });
}

void connection::open(const std::string& address) {
  redisAsyncContext* context = redisAsyncConnect(address.c_str(), where_.port);
  if (context == nullptr) return lost("out of memory");
  if (context->err != 0) {
    std::string why = context->errstr;
    redisAsyncFree(context);
    return lost(why);
  }
  context->data = this;
  events_ =
      asio_events::attach(io_, context, [this](const std::string& why) { context_gone(why); });
  if (!events_) {
    redisAsyncFree(context);
    return lost("cannot watch the socket");
  }
  context_ = context;
  state_ = state::connecting;
  handshake();
}

// AUTH, SELECT and one SCRIPT LOAD per script, pipelined; ready on the last reply.
void connection::handshake() {
  struct step {
    std::vector<std::string> argv;
    std::string what;
    std::size_t script;  // SIZE_MAX: not a SCRIPT LOAD
  };
  constexpr auto none = static_cast<std::size_t>(-1);
  std::vector<step> steps;
  if (!where_.password.empty()) {
    auto argv = where_.user.empty()
                    ? std::vector<std::string>{"AUTH", where_.password}
                    : std::vector<std::string>{"AUTH", where_.user, where_.password};
    steps.push_back({std::move(argv), "AUTH", none});
  }
  if (where_.db != 0) steps.push_back({{"SELECT", std::to_string(where_.db)}, "SELECT", none});
  for (std::size_t i = 0; i < scripts_.size(); ++i)
    steps.push_back({{"SCRIPT", "LOAD", scripts_[i]}, "SCRIPT LOAD", i});
  if (steps.empty()) steps.push_back({{"PING"}, "PING", none});
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const bool last = i + 1 == steps.size();
    send(steps[i].argv, connect_deadline_,
         [weak = weak_from_this(), epoch = epoch_, what = steps[i].what, script = steps[i].script,
          last](const redisReply* reply) {
           auto self = weak.lock();
           // No reply: the connection is already going down (deadline or socket error).
           if (!self || self->epoch_ != epoch || self->state_ != state::connecting || !reply)
             return;
           if (reply->type == REDIS_REPLY_ERROR)
             return self->teardown(what + " refused: " + std::string(reply->str, reply->len));
           if (script != none) {
             if (reply->type != REDIS_REPLY_STRING) return self->teardown(what + ": no sha");
             self->shas_[script] = std::string(reply->str, reply->len);
           }
           if (!last) return;
           self->state_ = state::ready;
           self->backoff_ = first_backoff;
           if (self->in_outage_) {
             self->in_outage_ = false;
             spdlog::info("redis {} reachable again: rate limits are shared",
                          self->where_.describe());
           } else if (!self->ever_ready_) {
             spdlog::info("redis {} connected: rate limits are shared", self->where_.describe());
           }
           self->ever_ready_ = true;
           if (self->on_ready_) self->on_ready_();
         });
  }
}

void connection::teardown(const std::string& why) {
  if (context_ == nullptr || state_ == state::down) return;
  state_ = state::down;
  closing_reason_ = why;
  // Now, or (inside a reply callback) right after it; either way hiredis answers the pending
  // callbacks with no reply and calls cleanup, which lands in context_gone.
  redisAsyncFree(context_);
}

void connection::context_gone(const std::string& why) {
  context_ = nullptr;
  auto reason = std::exchange(closing_reason_, {});
  if (reason.empty()) reason = why.empty() ? "connection closed" : why;
  if (destroying_) return;
  fail_pending();
  lost(reason);
}

void connection::fail_pending() {
  auto orphans = std::exchange(pending_, {});
  for (auto& p : orphans) answer(p.done, nullptr);
}

void connection::lost(const std::string& why) {
  state_ = state::down;
  if (!in_outage_) {
    in_outage_ = true;
    ++outages_;
    spdlog::warn("redis {} unreachable ({}): rate limits are this instance's own until it is back",
                 where_.describe(), why);
  }
  schedule_reconnect();
}

void connection::schedule_reconnect() {
  if (destroying_) return;
  retry_timer_.expires_after(backoff_);  // cancels an earlier wait: one reconnect at a time
  backoff_ = std::min(backoff_ * 2, max_backoff);
  retry_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->state_ != state::down) return;
    self->connect_now();
  });
}

// One timer for every deadline: it is armed for the earliest and, when it fires, finds the late.
void connection::watch(clock::time_point deadline) {
  if (deadline >= timer_at_) return;
  timer_at_ = deadline;
  deadline_timer_.expires_at(deadline);
  deadline_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (auto self = weak.lock()) self->on_timer();
  });
}

void connection::on_timer() {
  timer_at_ = clock::time_point::max();
  const auto now = clock::now();
  const bool starting = state_ == state::resolving || state_ == state::connecting;
  if (starting && connect_deadline_ <= now) {
    if (state_ == state::resolving) {
      resolver_.cancel();
      lost("no connection within " + std::to_string(options_.connect_timeout.count()) + " ms");
    } else {
      teardown("no connection within " + std::to_string(options_.connect_timeout.count()) + " ms");
    }
  } else if (std::any_of(pending_.begin(), pending_.end(),
                         [now](const pending& p) { return p.deadline <= now; })) {
    // A late reply is never awaited: the connection is dropped with everything on it, which
    // answers the rest now, and a fresh one replaces it.
    teardown("no reply within " + std::to_string(options_.timeout.count()) + " ms");
  }
  auto next = clock::time_point::max();
  for (const auto& p : pending_) next = std::min(next, p.deadline);
  if (state_ == state::resolving || state_ == state::connecting)
    next = std::min(next, connect_deadline_);
  if (next != clock::time_point::max()) watch(next);
}

}  // namespace qgate::redis
