// Pure rendering of the admin API's answers in the seed's envelope {"code","message","data"}.
#pragma once

#include "messages/admin.hpp"

#include <string>

namespace qgate::http {

// 201 for a tenant created, 200 for everything else.
[[nodiscard]] unsigned admin_status(const admin_reply& reply) noexcept;

// Tenants as objects (name, key_prefix, enabled, models, rpm, tpm, max_streams, created_at, today;
// `key` only when the reply carries a new one); `data` is an array for the list and the usage
// report, the one tenant otherwise.
[[nodiscard]] std::string admin_body(const admin_reply& reply);

}  // namespace qgate::http
