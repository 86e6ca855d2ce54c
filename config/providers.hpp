// Upstreams besides DashScope's native API ([upstream]): `[[providers]]` tables in the config file,
// each an OpenAI-compatible server (DashScope's compatible mode, a self-hosted vLLM, SGLang or
// Ollama serving Qwen) or another DashScope endpoint, serving the catalog models it names.
#pragma once

#include "config/upstream_lists.hpp"

#include <optional>
#include <string>
#include <vector>

namespace qgate::config {

struct provider_settings {
  std::string name;
  std::string kind;  // "dashscope" (native API) or "openai" (Chat Completions)
  std::string base_url;
  // Key references as upstream.api_keys takes them (env:NAME, file:PATH, *WEIGHT); "" for a
  // server without keys. Resolved into `keys` when the configuration is loaded.
  std::string api_keys;
  std::vector<weighted_item> keys;
  std::vector<std::string> models;  // catalog titles it serves (each by one provider at most)
  // Unset: [upstream]'s.
  std::optional<int> connect_timeout_ms;
  std::optional<int> first_byte_timeout_ms;
  std::optional<int> idle_timeout_ms;
  std::optional<int> total_timeout_ms;
};

}  // namespace qgate::config
