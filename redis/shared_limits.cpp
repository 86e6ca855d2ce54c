#include "redis/shared_limits.hpp"

#include "redis/connection.hpp"
#include "redis/scripts.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <vector>

namespace qgate::redis {
namespace {

constexpr std::chrono::milliseconds min_refresh_interval{10};
// admitted, remaining requests, tokens, retry after, refused by
constexpr std::size_t admit_reply_size = 5;

std::atomic<std::uint64_t> next_limits_serial{0};  // tells apart the io threads of one process

std::string default_instance_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "-%d-%08x", static_cast<int>(::getpid()),
                static_cast<unsigned>(std::random_device{}()));
  return std::string(host) + suffix;
}

bool integers(const redisReply* reply, std::size_t count) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != count)
    return false;
  for (std::size_t i = 0; i < count; ++i)
    if (reply->element[i]->type != REDIS_REPLY_INTEGER) return false;
  return true;
}

}  // namespace

result<std::shared_ptr<shared_limits>> shared_limits::create(boost::asio::io_context& io,
                                                             options opts) {
  if (opts.instance_id.empty()) opts.instance_id = default_instance_id();
  auto made = std::make_shared<shared_limits>(token{}, io, opts);
  auto link = connection::create(io, opts, limit_scripts());
  if (!link) return link.error();
  made->connection_ = std::move(link).value();
  // Slots that expired while Redis was away count again at once.
  made->connection_->on_ready([weak = std::weak_ptr<shared_limits>(made)] {
    if (auto self = weak.lock()) self->refresh();
  });
  made->schedule_refresh();
  return made;
}

shared_limits::shared_limits(token, boost::asio::io_context& io, options opts)
    : options_(std::move(opts)),
      refresh_timer_(io),
      slot_prefix_(options_.instance_id + ":" + std::to_string(next_limits_serial++) + ":") {}

shared_limits::~shared_limits() = default;

bool shared_limits::connected() const noexcept { return connection_->connected(); }

std::uint64_t shared_limits::outages() const noexcept { return connection_->outages(); }

std::string shared_limits::next_slot_id() { return slot_prefix_ + std::to_string(++next_slot_); }

std::string shared_limits::tenant_key(const std::string& tenant) const {
  return options_.key_prefix + "t:" + tenant;
}
std::string shared_limits::streams_key(const std::string& tenant) const {
  return options_.key_prefix + "s:" + tenant;
}
std::string shared_limits::model_key(const std::string& model) const {
  return options_.key_prefix + "m:" + model;
}

void shared_limits::admit(const tenant_info& tenant, const std::string& model, bool stream,
                          std::int64_t estimated_tokens, const std::string& slot,
                          admit_callback done) {
  const auto& limits = tenant.limits;
  held call{tenant.name,
            model,
            stream && limits.max_streams > 0,
            options_.model_max_concurrency > 0,
            limits.tpm,
            estimated_tokens};
  const std::vector<std::string> args{tenant_key(tenant.name),
                                      streams_key(tenant.name),
                                      model_key(model),
                                      std::to_string(limits.rpm),
                                      std::to_string(limits.tpm),
                                      std::to_string(limits.max_streams),
                                      std::to_string(options_.model_max_concurrency),
                                      stream ? "1" : "0",
                                      std::to_string(estimated_tokens),
                                      slot,
                                      std::to_string(options_.slot_ttl.count())};
  connection_->eval(admit_script, 3, args,
                    [weak = weak_from_this(), slot, call = std::move(call), rpm = limits.rpm,
                     done = std::move(done)](const redisReply* reply) {
                      auto self = weak.lock();
                      if (!integers(reply, admit_reply_size)) {
                        if (self && reply != nullptr) self->bad_reply("admit");
                        return done(std::nullopt);
                      }
                      admit_result decision;
                      decision.admitted = reply->element[0]->integer == 1;
                      decision.info.limit_requests = rpm;
                      decision.info.remaining_requests = reply->element[1]->integer;
                      decision.info.limit_tokens = call.tpm;
                      decision.info.remaining_tokens = reply->element[2]->integer;
                      decision.info.retry_after_s = reply->element[3]->integer;
                      const auto refused = reply->element[4]->integer;
                      decision.info.refused_by = refused >= 1 && refused <= 4
                                                     ? static_cast<refusal>(refused)
                                                     : refusal::none;
                      if (decision.admitted && self) self->slots_.emplace(slot, call);
                      done(decision);
                    });
}

void shared_limits::release(const std::string& slot, std::int64_t used_tokens) {
  const auto found = slots_.find(slot);
  if (found == slots_.end()) return;
  const held call = std::move(found->second);
  slots_.erase(found);
  const auto refund = call.estimated - used_tokens;
  // Nothing held in Redis and nothing to settle: no command at all.
  if (!call.stream_slot && !call.model_slot && (call.tpm <= 0 || refund == 0)) return;
  connection_->eval(release_script, 3,
                    {tenant_key(call.tenant), streams_key(call.tenant), model_key(call.model), slot,
                     std::to_string(call.tpm), std::to_string(refund)},
                    nullptr);
}

void shared_limits::move(const std::string& slot, const std::string& to, move_callback done) {
  const auto found = slots_.find(slot);
  if (found == slots_.end()) return done(std::nullopt);
  auto& call = found->second;
  if (!call.model_slot) {  // no per-model cap: nothing counted, nothing to move
    call.model = to;
    return done(true);
  }
  call.moving = true;
  connection_->eval(
      move_script, 2,
      {model_key(call.model), model_key(to), slot, std::to_string(options_.model_max_concurrency),
       std::to_string(options_.slot_ttl.count())},
      [weak = weak_from_this(), slot, to, done = std::move(done)](const redisReply* reply) {
        auto self = weak.lock();
        held* moved = nullptr;
        if (self) {
          const auto it = self->slots_.find(slot);
          if (it != self->slots_.end()) moved = &it->second;
        }
        if (moved != nullptr) moved->moving = false;
        if (reply == nullptr || reply->type != REDIS_REPLY_INTEGER) {
          if (self && reply != nullptr) self->bad_reply("move");
          return done(std::nullopt);
        }
        if (reply->integer == 1 && moved != nullptr) moved->model = to;
        done(reply->integer == 1);
      });
}

void shared_limits::refresh() {
  if (!connection_->connected()) return;
  std::vector<std::string> keys;
  std::vector<std::string> slots;
  for (const auto& [slot, call] : slots_) {
    if (call.moving) continue;
    if (call.stream_slot) {
      keys.push_back(streams_key(call.tenant));
      slots.push_back(slot);
    }
    if (call.model_slot) {
      keys.push_back(model_key(call.model));
      slots.push_back(slot);
    }
  }
  if (keys.empty()) return;
  const auto key_count = keys.size();
  keys.push_back(std::to_string(options_.slot_ttl.count()));
  keys.insert(keys.end(), std::make_move_iterator(slots.begin()),
              std::make_move_iterator(slots.end()));
  connection_->eval(refresh_script, key_count, keys, nullptr);
}

void shared_limits::schedule_refresh() {
  refresh_timer_.expires_after(std::max(min_refresh_interval, options_.slot_ttl / 3));
  refresh_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self) return;
    self->refresh();
    self->schedule_refresh();
  });
}

// An error reply (a key of the wrong type, a script error) is Redis misbehaving, not an outage:
// counted, and logged on the 1st, 2nd, 4th, 8th... time so that it is seen without flooding.
void shared_limits::bad_reply(const char* what) {
  ++bad_replies_;
  if ((bad_replies_ & (bad_replies_ - 1)) == 0)
    spdlog::warn("redis: unexpected reply to {} ({} so far); this call used local limits", what,
                 bad_replies_);
}

}  // namespace qgate::redis
