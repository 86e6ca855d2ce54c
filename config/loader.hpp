// Loads settings: defaults ← TOML file ← environment (QGATE_<SECTION>_<KEY>) ← CLI flags.
#pragma once

#include "config/settings.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace qgate::config {

struct cli_options {
  std::optional<std::string> config_path;
  std::optional<std::string> host;
  std::optional<int> port;
  bool allow_anonymous = false;
};

struct load_error {
  std::string key;      // e.g. "server.port"
  std::string message;  // names the key, the bad value and what is allowed
};

struct load_result {
  std::optional<settings> value;
  std::optional<load_error> failure;
};

// Injectable so tests stay hermetic.
using environment = std::function<std::optional<std::string>(std::string_view name)>;
environment process_environment();

[[nodiscard]] load_result load_settings(const cli_options& cli, const environment& env);

// Applies TOML text over `out` (what load_settings does with the file; no I/O). `origin` names the
// text in messages. Any text gives a value or a load_error, never an exception (fuzzed).
[[nodiscard]] std::optional<load_error> apply_toml(std::string_view text, const std::string& origin,
                                                   settings& out);

// One line for the start-up log: every value, the API key only as set/unset, URLs without their
// passwords.
std::string describe(const settings& s);

// `scheme://user:password@host…` as `scheme://user:***@host…` (and `scheme://:password@…` as
// `scheme://:***@…`): a URL for a log line or an error message.
std::string without_password(std::string_view url);

}  // namespace qgate::config
