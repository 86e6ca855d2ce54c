// The seam between actors and the HTTP layer: actors call it, http/ implements it.
// Implementations must be thread-safe and never block: they hand work to the connection's strand.
#pragma once

#include "messages/admin.hpp"
#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"
#include "messages/tenant.hpp"

#include <cstddef>
#include <functional>
#include <memory>

namespace qgate {

class response_sink {
 public:
  virtual ~response_sink() = default;

  // Limits that apply to this response; set before anything is sent (chat only).
  virtual void set_rate_limit(rate_limit_info info) = 0;
  // A fallback model serves this chat (called before anything is sent): the answer names it.
  virtual void set_served_model(std::string model) = 0;
  // The chat ended: what it was (before its last frame or its body is sent).
  virtual void set_call_summary(call_summary summary) = 0;
  virtual void send_models(model_list models) = 0;
  virtual void send_usage(std::vector<usage_total> totals) = 0;
  // An admin API answer (201 for a tenant created, 200 otherwise).
  virtual void send_admin(admin_reply reply) = 0;
  virtual void send_completion(chat_completion completion) = 0;
  // Streaming: the first call commits the response to SSE; errors after that become frames.
  virtual void send_delta(chat_delta delta) = 0;
  virtual void send_error(error err) = 0;

  // Bytes queued for the client but not yet written: the producer's backpressure signal.
  virtual std::size_t queued_bytes() const noexcept = 0;
  // Called (from any thread) once the queue drains below the low-water mark after being high.
  virtual void on_drained(std::function<void()> callback) = 0;
};

using response_sink_ptr = std::shared_ptr<response_sink>;

}  // namespace qgate
