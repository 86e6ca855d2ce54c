// Pure translation of a client chat request into an OpenAI-compatible chat-completions call
// (DashScope's compatible mode, vLLM, SGLang, Ollama).
#pragma once

#include "messages/chat.hpp"
#include "upstream/http_call.hpp"

#include <string>
#include <string_view>

namespace qgate::upstream {

inline constexpr std::string_view openai_chat_path = "/chat/completions";

// `{base}/chat/completions` for a base ending in /v1 (`https://dashscope.aliyuncs.com/
// compatible-mode/v1`, `http://vllm:8000/v1`), else `{base}/v1/chat/completions`.
[[nodiscard]] std::string openai_chat_url(std::string_view base_url);

// The OpenAI body, with DashScope's extras (enable_thinking, thinking_budget, enable_search,
// top_k, repetition_penalty) at the top level, where the compatible mode reads them.
[[nodiscard]] std::string openai_chat_body(const chat_request& request);

// The whole call; no Authorization header when `api_key` is empty (self-hosted servers often
// take none).
[[nodiscard]] http_call build_openai_call(const chat_request& request, std::string_view base_url,
                                          std::string_view api_key);

}  // namespace qgate::upstream
