#include "actors/admin_gate.hpp"

#include "catalog/api_keys.hpp"

#include <caf/send.hpp>

namespace qgate::actors {

bool same_secret(std::string_view presented, std::string_view secret_digest) {
  const auto digest = catalog::hash_api_key(presented);
  if (secret_digest.empty() || digest.size() != secret_digest.size()) return false;
  unsigned char differs = 0;
  for (std::size_t i = 0; i < digest.size(); ++i)
    differs |= static_cast<unsigned char>(digest[i] ^ secret_digest[i]);
  return differs == 0;
}

admin_gate::admin_gate(std::string_view admin_key, admin_actor actor,
                       std::vector<catalog_actor> catalogs, loop::io_pool& pool)
    : key_digest_(admin_key.empty() ? std::string() : catalog::hash_api_key(admin_key)),
      actor_(std::move(actor)),
      catalogs_(std::move(catalogs)),
      pool_(pool) {}

void admin_gate::admin(admin_request request, response_sink_ptr sink) {
  auto key = std::move(request.api_key);
  request.api_key.clear();
  // Every answer comes from an actor, never from inside this call: the connection is still in its
  // handler (see connection_sink).
  if (!same_secret(key, key_digest_)) {
    const auto& catalog = catalogs_[pool_.current().value_or(0)];
    return caf::anon_send(catalog, admin_atom::value, std::move(key), std::move(sink));
  }
  caf::anon_send(actor_, admin_atom::value, std::move(request), std::move(sink));
}

}  // namespace qgate::actors
