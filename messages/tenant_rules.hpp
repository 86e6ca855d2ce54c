// The one set of rules for tenant names, allow-lists and limits, whoever sets them: the admin API
// checks them while parsing (to name the field), the catalog stores again before writing (the CLI
// and anything else that calls them). Pure.
#pragma once

#include "messages/admin.hpp"
#include "messages/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qgate {

inline constexpr std::size_t max_tenant_name_bytes = 128;
inline constexpr std::size_t max_model_name_bytes = 128;
inline constexpr std::size_t max_tenant_models = 256;
// rpm, tpm and max_streams: 0 means unlimited; above this a value is a typo, not a limit.
inline constexpr std::int64_t max_tenant_limit = 1'000'000'000'000;

// 1 to max_tenant_name_bytes of valid UTF-8 without control characters (C0, DEL, C1) and without
// spaces at either end. Quotes, backslashes, slashes and any other printable text are allowed:
// names reach JSON, SQL, URLs and HTML only escaped. `field` names it in the error.
[[nodiscard]] result<void> check_tenant_name(std::string_view name,
                                             std::string_view field = "name");
// Each model as a name, and also without commas (the stores keep the list comma-separated).
[[nodiscard]] result<void> check_tenant_models(const std::vector<std::string>& models);
// 0 ≤ value ≤ max_tenant_limit; `field` names it in the error.
[[nodiscard]] result<void> check_tenant_limit(std::string_view field, std::int64_t value);
// Every field the update sets.
[[nodiscard]] result<void> check_tenant_update(const tenant_update& update);

}  // namespace qgate
