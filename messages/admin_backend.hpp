// What the HTTP layer may ask of the behaviour layer on the admin API; actors/ implements it.
#pragma once

#include "messages/admin.hpp"
#include "messages/response_sink.hpp"

namespace qgate {

class admin_backend {
 public:
  virtual ~admin_backend() = default;
  // Authenticates the request's key (the admin key; a tenant key is refused with FORBIDDEN), then
  // answers through the sink: send_admin, or send_error. Never blocks.
  virtual void admin(admin_request request, response_sink_ptr sink) = 0;
};

}  // namespace qgate
