#include "actors/rate_limits.hpp"

#include <algorithm>
#include <cmath>

namespace qgate::actors {
namespace {

constexpr std::int64_t default_answer_tokens = 512;  // assumed when a request sets no max_tokens

std::int64_t seconds_until(double missing, std::int64_t per_minute) {
  const double per_second = static_cast<double>(per_minute) / 60.0;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(missing / per_second)));
}

}  // namespace

void rate_limits::bucket::refill(std::int64_t per_minute, clock::time_point now) {
  const auto capacity = static_cast<double>(per_minute);
  if (level < 0) {
    level = capacity;
  } else {
    const double elapsed = std::chrono::duration<double>(now - updated).count();
    level = std::min(capacity, level + std::max(0.0, elapsed) * capacity / 60.0);
  }
  updated = now;
}

admission rate_limits::admit(const tenant_info& tenant, const std::string& model, bool stream,
                             std::int64_t estimated_tokens, clock::time_point now) {
  const auto& limits = tenant.limits;
  auto& state = tenants_[tenant.name];
  state.tpm = limits.tpm;
  admission result;
  auto& info = result.info;
  info.limit_requests = limits.rpm;
  info.limit_tokens = limits.tpm;
  if (limits.rpm > 0) state.requests.refill(limits.rpm, now);
  if (limits.tpm > 0) state.tokens.refill(limits.tpm, now);
  // Never demand more than a full bucket, or a large request could never pass.
  const double tokens_needed =
      std::min<double>(static_cast<double>(estimated_tokens), static_cast<double>(limits.tpm));
  if (limits.rpm > 0 && state.requests.level < 1.0) {
    info.retry_after_s = seconds_until(1.0 - state.requests.level, limits.rpm);
    info.refused_by = refusal::rpm;
  } else if (limits.tpm > 0 && state.tokens.level < tokens_needed) {
    info.retry_after_s = seconds_until(tokens_needed - state.tokens.level, limits.tpm);
    info.refused_by = refusal::tpm;
  } else if (stream && limits.max_streams > 0 && state.streams >= limits.max_streams) {
    info.retry_after_s = 1;
    info.refused_by = refusal::streams;
  } else if (model_cap_ > 0 && model_calls_[model] >= model_cap_) {
    info.retry_after_s = 1;
    info.refused_by = refusal::model;
  } else {
    result.admitted = true;
    if (limits.rpm > 0) state.requests.level -= 1.0;
    if (limits.tpm > 0) state.tokens.level -= static_cast<double>(estimated_tokens);
    if (stream) ++state.streams;
    ++model_calls_[model];
  }
  info.remaining_requests =
      limits.rpm > 0 ? std::max<std::int64_t>(0, static_cast<std::int64_t>(state.requests.level))
                     : 0;
  info.remaining_tokens =
      limits.tpm > 0 ? std::max<std::int64_t>(0, static_cast<std::int64_t>(state.tokens.level)) : 0;
  return result;
}

bool rate_limits::move_call(const std::string& from, const std::string& to) {
  if (model_cap_ > 0 && model_calls_[to] >= model_cap_) return false;
  if (auto calls = model_calls_.find(from); calls != model_calls_.end() && calls->second > 0)
    --calls->second;
  ++model_calls_[to];
  return true;
}

void rate_limits::release(const std::string& tenant, const std::string& model, bool stream,
                          std::int64_t estimated_tokens, std::int64_t used_tokens,
                          clock::time_point now) {
  if (auto calls = model_calls_.find(model); calls != model_calls_.end() && calls->second > 0)
    --calls->second;
  auto found = tenants_.find(tenant);
  if (found == tenants_.end()) return;
  auto& state = found->second;
  if (stream && state.streams > 0) --state.streams;
  if (state.tpm > 0) {
    state.tokens.refill(state.tpm, now);
    // Give back what was reserved but not used (or charge the overrun).
    state.tokens.level =
        std::min(static_cast<double>(state.tpm),
                 state.tokens.level + static_cast<double>(estimated_tokens - used_tokens));
  }
}

std::int64_t rate_limits::active_calls(const std::string& model) const {
  const auto found = model_calls_.find(model);
  return found == model_calls_.end() ? 0 : found->second;
}

std::int64_t estimate_tokens(std::size_t prompt_bytes, std::int64_t max_tokens) {
  return static_cast<std::int64_t>((prompt_bytes + 2) / 3) +
         (max_tokens > 0 ? max_tokens : default_answer_tokens);
}

}  // namespace qgate::actors
