// Pure rendering of OpenAI's shapes: model list and model, chat completion, the stream of
// `chat.completion.chunk`s, and the error object. The stream translator is the only state: it
// remembers what the client has been told (the role, which tool calls began).
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::http {

// What every answer to one chat request repeats.
struct openai_reply_context {
  std::string id;            // "chatcmpl-" + the request id
  std::int64_t created = 0;  // Unix seconds
  std::string model;
  bool include_usage = false;
};

struct openai_error_reply {
  unsigned status;
  std::string_view type;
  std::string_view code;  // empty: null
  std::string message;
};

// The one mapping of the error vocabulary onto OpenAI's statuses, types and codes.
openai_error_reply map_openai_error(const error& err);

std::string openai_models_body(const std::vector<model_info>& models);
std::string openai_model_body(const model_info& model);
std::string openai_completion_body(const openai_reply_context& context,
                                   const chat_completion& completion);
// `{"error":{"message","type","param","code"}}`
std::string openai_error_body(const error& err);
// `data: {"error":{...}}\n\n`: a failure after the stream began (the SDKs raise it); no [DONE].
std::string openai_error_frame(const error& err);

class openai_stream {
 public:
  explicit openai_stream(openai_reply_context context) : context_(std::move(context)) {}

  // The chunks for one step; the last step (finish set) also writes the finish chunk, the usage
  // chunk when asked for, and `data: [DONE]`.
  void append(std::string& out, const chat_delta& delta);
  void set_model(std::string model) { context_.model = std::move(model); }

 private:
  void open_chunk(std::string& out) const;
  void close_chunk(std::string& out, std::string_view finish) const;

  openai_reply_context context_;
  bool began_ = false;
  bool called_tools_ = false;
  std::vector<std::int64_t> started_calls_;  // indices whose first fragment was sent
};

}  // namespace qgate::http
