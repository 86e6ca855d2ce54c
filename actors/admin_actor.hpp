// The admin API's actor: detached (the stores block), it owns a catalog store of its own and
// carries out the operator's requests with the calls the tenant CLI makes. After a change it has
// the loader reload and answers only once the new snapshot is on its way to every catalog, so a
// request the client sends after the answer is served with the change; in a fleet the other
// instances follow by LISTEN/NOTIFY. Before reading usage it has the ledger write the rows it
// holds, so the answer counts every call that ended before the request.
#pragma once

#include "actors/catalog_actor.hpp"
#include "actors/usage_ledger.hpp"
#include "catalog/store.hpp"
#include "messages/actor_protocol.hpp"
#include "messages/admin.hpp"

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::admin_request)

namespace qgate::actors {

// Takes requests whose caller was found to be the operator (admin_gate checks the key); answers
// each through its sink, a request the parser refused (`invalid`) with its error.
using admin_actor = caf::typed_actor<caf::reacts_to<admin_atom, admin_request, response_sink_ptr>>;

admin_actor spawn_admin(caf::actor_system& system, catalog::store_options options,
                        loader_actor loader, ledger_actor ledger);

}  // namespace qgate::actors
