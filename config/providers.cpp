#include "config/providers_reader.hpp"

#include <fmt/format.h>

#include <set>

namespace qgate::config {
namespace {

constexpr std::int64_t max_timeout_ms = 86'400'000;

std::optional<provider_error> read_timeout(const toml::node& node, const std::string& where,
                                           std::optional<int>& into) {
  const auto value = node.value_exact<std::int64_t>();
  if (!value || *value < 1 || *value > max_timeout_ms) {
    return provider_error{where, where + ": expected an integer from 1 to 86400000"};
  }
  into = static_cast<int>(*value);
  return std::nullopt;
}

std::optional<provider_error> read_text(const toml::node& node, const std::string& where,
                                        std::string& into) {
  const auto value = node.value_exact<std::string>();
  if (!value) return provider_error{where, where + ": expected a string"};
  into = *value;
  return std::nullopt;
}

std::optional<provider_error> read_models(const toml::node& node, const std::string& where,
                                          std::vector<std::string>& into) {
  const auto* models = node.as_array();
  if (models == nullptr)
    return provider_error{where, where + ": expected an array of model titles"};
  for (const auto& model : *models) {
    const auto title = model.value_exact<std::string>();
    if (!title || title->empty()) {
      return provider_error{where, where + ": expected non-empty model titles"};
    }
    into.push_back(*title);
  }
  return std::nullopt;
}

std::optional<provider_error> read_field(const std::string& name, const toml::node& node,
                                         const std::string& where, provider_settings& p) {
  if (name == "name") return read_text(node, where, p.name);
  if (name == "kind") return read_text(node, where, p.kind);
  if (name == "base_url") return read_text(node, where, p.base_url);
  if (name == "api_keys") return read_text(node, where, p.api_keys);
  if (name == "models") return read_models(node, where, p.models);
  if (name == "connect_timeout_ms") return read_timeout(node, where, p.connect_timeout_ms);
  if (name == "first_byte_timeout_ms") return read_timeout(node, where, p.first_byte_timeout_ms);
  if (name == "idle_timeout_ms") return read_timeout(node, where, p.idle_timeout_ms);
  if (name == "total_timeout_ms") return read_timeout(node, where, p.total_timeout_ms);
  return provider_error{where, "unknown key " + where};
}

std::optional<provider_error> check(const provider_settings& p, const std::string& at) {
  if (p.name.empty()) return provider_error{at + ".name", at + ".name: a non-empty name"};
  if (p.kind != "dashscope" && p.kind != "openai") {
    return provider_error{at + ".kind", at + ".kind: \"dashscope\" or \"openai\""};
  }
  if (!p.base_url.starts_with("http://") && !p.base_url.starts_with("https://")) {
    return provider_error{at + ".base_url",
                          at + ".base_url: a URL starting with http:// or https://"};
  }
  if (p.models.empty()) {
    return provider_error{at + ".models", at + ".models: the catalog models it serves"};
  }
  auto keys = parse_weighted_list(p.api_keys);
  if (!keys) return provider_error{at + ".api_keys", at + ".api_keys: " + keys.error().detail};
  for (const auto& key : keys.value()) {
    if (!key.value.starts_with("env:") && !key.value.starts_with("file:")) {
      return provider_error{at + ".api_keys",
                            at + ".api_keys: references only (env:NAME or file:PATH), never a key"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<provider_error> read_providers(const toml::array& tables,
                                             std::vector<provider_settings>& out) {
  std::set<std::string> names{"dashscope"};  // the [upstream] section's own provider
  std::set<std::string> models;
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const std::string at = fmt::format("providers[{}]", i);
    const auto* table = tables[i].as_table();
    if (table == nullptr) return provider_error{at, at + ": expected a table ([[providers]])"};
    provider_settings provider;
    for (const auto& [key, node] : *table) {
      const std::string name(key.str());
      if (auto failure = read_field(name, node, at + "." + name, provider)) return failure;
    }
    if (auto failure = check(provider, at)) return failure;
    if (!names.insert(provider.name).second) {
      return provider_error{at + ".name", at + ".name: \"" + provider.name + "\" is taken"};
    }
    for (const auto& model : provider.models) {
      if (!models.insert(model).second) {
        return provider_error{at + ".models",
                              at + ".models: " + model + " is served by another provider"};
      }
    }
    out.push_back(std::move(provider));
  }
  return std::nullopt;
}

}  // namespace qgate::config
