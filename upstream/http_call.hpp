// One HTTP call to an upstream, as its builder made it: which protocol it speaks and its bytes.
#pragma once

#include <string>
#include <vector>

namespace qgate::upstream {

// The protocols qgate speaks upstream: DashScope's native one and the OpenAI-compatible one
// (DashScope's compatible mode, vLLM, SGLang, Ollama).
enum class provider_kind { dashscope, openai };

struct http_call {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool stream = false;
  provider_kind kind = provider_kind::dashscope;  // which decoder reads the answer
};

}  // namespace qgate::upstream
