// Reading `[[providers]]` from a parsed TOML document (the loader's; only it includes TOML).
#pragma once

#include "config/providers.hpp"

#include <toml++/toml.h>

namespace qgate::config {

// `where`, the key at fault (e.g. "providers[1].kind"), and the message.
struct provider_error {
  std::string where;
  std::string message;
};

// Reads the `[[providers]]` array of tables; an unknown key, a bad value, a duplicate name or a
// model claimed twice is an error naming it.
[[nodiscard]] std::optional<provider_error> read_providers(const toml::array& tables,
                                                           std::vector<provider_settings>& out);

}  // namespace qgate::config
