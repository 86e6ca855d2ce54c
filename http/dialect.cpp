#include "http/dialect.hpp"

#include "http/error_mapping.hpp"
#include "http/json_render.hpp"

namespace qgate::http {
namespace {

class seed final : public dialect {
 public:
  result<std::string> models_body(const std::vector<model_info>& models) const override {
    return http::models_body(models);
  }
  std::string completion_body(const chat_completion& completion) const override {
    return http::completion_body(completion);
  }
  // The seed's frames carry only `content`: a step with nothing else (a thinking model's
  // reasoning, a tool-call fragment) sends no frame.
  void append_frames(std::string& out, const chat_delta& delta) override {
    if (delta.content.empty() && !delta.finish) return;
    append_delta_frame(out, delta);
    if (delta.finish) out += sse_done_frame;
  }
  void set_model(const std::string&) override {}  // the header says it (X-Qgate-Model)
  unsigned status_of(const error& err) const override { return map_error(err).status; }
  std::string error_body(const error& err) const override { return http::error_body(err); }
  std::string error_frames(const error& err) const override {
    std::string frames = error_frame(err);
    frames += sse_done_frame;
    return frames;
  }
};

class openai final : public dialect {
 public:
  openai(openai_reply_context context, std::optional<std::string> wanted_model)
      : context_(context), stream_(std::move(context)), wanted_model_(std::move(wanted_model)) {}

  result<std::string> models_body(const std::vector<model_info>& models) const override {
    if (!wanted_model_) return openai_models_body(models);
    for (const auto& model : models) {
      if (model.title == *wanted_model_) return openai_model_body(model);
    }
    return make_error(errc::invalid_model, *wanted_model_, "model");
  }
  std::string completion_body(const chat_completion& completion) const override {
    return openai_completion_body(context_, completion);
  }
  void append_frames(std::string& out, const chat_delta& delta) override {
    stream_.append(out, delta);
  }
  void set_model(const std::string& model) override {
    context_.model = model;
    stream_.set_model(model);
  }
  unsigned status_of(const error& err) const override { return map_openai_error(err).status; }
  std::string error_body(const error& err) const override { return openai_error_body(err); }
  std::string error_frames(const error& err) const override { return openai_error_frame(err); }

 private:
  openai_reply_context context_;
  openai_stream stream_;
  std::optional<std::string> wanted_model_;
};

}  // namespace

std::shared_ptr<dialect> seed_dialect() {
  static const auto shared = std::make_shared<seed>();
  return shared;
}

std::shared_ptr<dialect> openai_dialect(openai_reply_context context,
                                        std::optional<std::string> wanted_model) {
  return std::make_shared<openai>(std::move(context), std::move(wanted_model));
}

}  // namespace qgate::http
