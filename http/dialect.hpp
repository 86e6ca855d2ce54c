// How one API family speaks: qgate's own API (the seed's envelopes) or OpenAI's. The connection
// picks a dialect per request from its path; every answer to that request is rendered by it, so
// the actors and the connection's state machine are the same for both front doors.
#pragma once

#include "http/openai_render.hpp"
#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qgate::http {

class dialect {
 public:
  virtual ~dialect() = default;
  // The catalog's models as this API lists them; an error when the one asked for is not there.
  [[nodiscard]] virtual result<std::string> models_body(
      const std::vector<model_info>& models) const = 0;
  virtual std::string completion_body(const chat_completion& completion) const = 0;
  // The frames of one stream step; the last step's frames end the stream. Called in order, from
  // one thread at a time (the session's).
  virtual void append_frames(std::string& out, const chat_delta& delta) = 0;
  // A fallback model serves the request: answers name it (called before any is rendered).
  virtual void set_model(const std::string& model) = 0;
  virtual unsigned status_of(const error& err) const = 0;
  virtual std::string error_body(const error& err) const = 0;
  // A failure once the stream began: its last frames.
  virtual std::string error_frames(const error& err) const = 0;
};

// The seed's API: stateless, one instance shared by every request.
std::shared_ptr<dialect> seed_dialect();

// OpenAI's API. `wanted_model`: GET /v1/models/{id} answers that model alone (404 when absent).
std::shared_ptr<dialect> openai_dialect(openai_reply_context context,
                                        std::optional<std::string> wanted_model = std::nullopt);

}  // namespace qgate::http
