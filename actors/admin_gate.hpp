// The admin API's front door, on the io threads: it checks the caller's key against the admin key
// (in constant time, over SHA-256 digests: the gate keeps only the key's digest) and sends the
// operator's requests to the admin actor. Any other key is refused: a working tenant key with
// FORBIDDEN (asked of this io thread's catalog, which knows the tenants), anything else with
// UNAUTHORIZED. Only then does the operator learn what was wrong with the request itself.
#pragma once

#include "actors/admin_actor.hpp"
#include "actors/catalog_actor.hpp"
#include "loop/io_pool.hpp"
#include "messages/admin_backend.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace qgate::actors {

class admin_gate final : public admin_backend {
 public:
  // `catalogs`: one per io thread of `pool`, as the runtime spawned them.
  admin_gate(std::string_view admin_key, admin_actor actor, std::vector<catalog_actor> catalogs,
             loop::io_pool& pool);

  void admin(admin_request request, response_sink_ptr sink) override;

 private:
  std::string key_digest_;
  admin_actor actor_;
  std::vector<catalog_actor> catalogs_;
  loop::io_pool& pool_;
};

// True when `presented` is `secret`; the time taken depends on neither's content (both are hashed,
// then every byte of the digests compared). An empty secret matches nothing.
[[nodiscard]] bool same_secret(std::string_view presented, std::string_view secret_digest);

}  // namespace qgate::actors
