// The messages actors exchange: atoms and the value types CAF may carry between them.
// Only actors/ includes this header; everything here stays inside one process.
#pragma once

#include "messages/chat.hpp"
#include "messages/error.hpp"
#include "messages/model_info.hpp"
#include "messages/response_sink.hpp"
#include "messages/tenant.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

namespace qgate {

using lookup_atom = caf::atom_constant<caf::atom("lookup")>;      // session → catalog
using models_atom = caf::atom_constant<caf::atom("models")>;      // gateway → catalog
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;  // loader → catalog
using reload_atom = caf::atom_constant<caf::atom("reload")>;      // SIGHUP → loader
using poll_atom = caf::atom_constant<caf::atom("poll")>;          // loader's own timer
using pause_atom = caf::atom_constant<caf::atom("pause")>;        // session → upstream_stream
using resume_atom = caf::atom_constant<caf::atom("resume")>;      // session → upstream_stream
using batch_atom = caf::atom_constant<caf::atom("batch")>;        // curl driver → upstream_stream
using admit_atom = caf::atom_constant<caf::atom("admit")>;        // session → rate limiter
using release_atom = caf::atom_constant<caf::atom("release")>;    // session → rate limiter
using usage_atom = caf::atom_constant<caf::atom("usage")>;        // gateway → catalog → ledger
using ledger_flush_atom = caf::atom_constant<caf::atom("lflush")>;  // ledger timer
using close_atom = caf::atom_constant<caf::atom("close")>;          // ledger → its writer
using retry_atom = caf::atom_constant<caf::atom("retry")>;          // ledger's retry timer
using spill_atom = caf::atom_constant<caf::atom("spill")>;          // ledger ↔ its writer
using end_atom = caf::atom_constant<caf::atom("end")>;    // gateway → session: answer this, stop
using move_atom = caf::atom_constant<caf::atom("move")>;  // session → limiter: a fallback serves
using attempt_atom = caf::atom_constant<caf::atom("attempt")>;  // session's retry timer
using admin_atom = caf::atom_constant<caf::atom("admin")>;      // gateway → admin actor, catalog
using sync_atom = caf::atom_constant<caf::atom("sync")>;  // admin → ledger → writer: rows written
// A limiter's Redis callback → that limiter: the answer to an admission or a move.
using shared_admit_atom = caf::atom_constant<caf::atom("sh_admit")>;
using shared_move_atom = caf::atom_constant<caf::atom("sh_move")>;

using optional_model = std::optional<model_info>;

// Enabled and disabled tenants by the SHA-256 of their key.
using tenant_index = std::shared_ptr<const std::unordered_map<std::string, tenant_info>>;

// What the catalog answers a chat request: who is calling, or why not.
using lookup_reply = std::variant<tenant_info, error>;

// Rows the ledger hands its writer in one message.
using usage_batch = std::vector<usage_record>;

// How an upstream call failed, as its upstream_stream actor tells the session.
struct upstream_failure {
  error err;
  std::optional<std::int64_t> retry_after_s;  // the upstream's Retry-After, unbounded
};

}  // namespace qgate

// Local-only messages: never serialized, so no inspect() overloads are needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::model_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::optional_model)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::model_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::chat_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::chat_delta)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::chat_completion)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::error)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::response_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::tenant_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::tenant_index)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::lookup_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::usage_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::usage_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::rate_limit_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qgate::upstream_failure)
