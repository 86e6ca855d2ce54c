// Any configuration text — a TOML file, or an environment variable's value — gives settings or a
// load_error naming a key, never a crash or an escaping exception.
#include "config/key_table.hpp"
#include "config/loader.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  qgate::config::settings settings;
  if (auto failure = qgate::config::apply_toml(text, "fuzz.toml", settings)) {
    if (failure->key.empty() || failure->message.empty()) __builtin_trap();
  }
  // The same bytes as the value of one environment variable, chosen by the first byte.
  const auto& keys = qgate::config::key_table();
  const std::string name = keys[data[0] % keys.size()].env_name();
  const std::string value(text);
  auto loaded = qgate::config::load_settings(
      qgate::config::cli_options{.config_path = "/dev/null"},  // exists, empty
      [&](std::string_view asked) -> std::optional<std::string> {
        if (asked == name) return value;
        return std::nullopt;
      });
  if (!loaded.value && !loaded.failure) __builtin_trap();
  return 0;
}
