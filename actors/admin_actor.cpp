#include "actors/admin_actor.hpp"

#include "actors/utc_time.hpp"
#include "messages/untrusted_text.hpp"

#include <spdlog/spdlog.h>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>

namespace qgate::actors {
namespace {

// Tenant names in log lines: hostile input, one bounded line.
constexpr std::size_t logged_name_bytes = 128;

struct admin_state {
  catalog::store_options options;
  std::unique_ptr<catalog::store> store;  // opened on first use, kept after
  loader_actor loader;
  ledger_actor ledger;

  [[nodiscard]] result<catalog::store*> open() {
    if (!store) {
      auto opened = catalog::open_store(options);
      if (!opened) return opened.error();
      store = std::move(opened).value();
    }
    return store.get();
  }
};

using admin_self = admin_actor::stateful_pointer<admin_state>;

// What the operator may be told: their own mistakes as they are; the store failing as an internal
// error (its detail is logged, never sent).
error answerable(const error& err) {
  switch (err.code) {
    case errc::invalid_params:
    case errc::not_found:
    case errc::conflict:
      return err;
    default:
      spdlog::error("admin: the catalog store failed: {}", err.detail);
      return make_error(errc::internal_error, err.detail);
  }
}

// Today's usage of every tenant (or of `name` only), summed over models.
[[nodiscard]] result<std::map<std::string, usage_total>> today_by_tenant(catalog::store& store,
                                                                         const std::string& name) {
  const auto today = utc_today();
  auto rows = store.usage_report(name, today, today);
  if (!rows) return rows.error();
  std::map<std::string, usage_total> sums;
  for (const auto& row : rows.value()) {
    auto& sum = sums[row.tenant];
    sum.requests += row.usage.requests;
    sum.input_tokens += row.usage.input_tokens;
    sum.output_tokens += row.usage.output_tokens;
    sum.total_tokens += row.usage.total_tokens;
  }
  return sums;
}

admin_tenant view_of(catalog::tenant_record record,
                     const std::map<std::string, usage_total>& today) {
  admin_tenant tenant{std::move(record.info), std::move(record.created_at), {}};
  if (auto found = today.find(tenant.info.name); found != today.end()) tenant.today = found->second;
  tenant.today.day = utc_today();
  return tenant;
}

// The reads: every tenant, one tenant, or the usage report.
[[nodiscard]] result<admin_reply> read(catalog::store& store, const admin_request& request) {
  admin_reply reply;
  reply.operation = request.operation;
  if (request.operation == admin_operation::usage) {
    auto rows = store.usage_report(request.name, request.from_day, request.to_day);
    if (!rows) return rows.error();
    reply.usage = std::move(rows).value();
    return reply;
  }
  const bool one = request.operation != admin_operation::list_tenants;
  auto today = today_by_tenant(store, one ? request.name : std::string());
  if (!today) return today.error();
  if (one) {
    auto record = store.find_tenant(request.name);
    if (!record) return record.error();
    reply.tenants.push_back(view_of(std::move(record).value(), today.value()));
    return reply;
  }
  auto records = store.list_tenants();
  if (!records) return records.error();
  for (auto& record : records.value()) reply.tenants.push_back(view_of(record, today.value()));
  return reply;
}

// The changes; answers the new key (create, rotate) or "".
[[nodiscard]] result<std::string> write(catalog::store& store, const admin_request& request) {
  const auto& fields = request.fields;
  switch (request.operation) {
    case admin_operation::create_tenant:
      return store.add_tenant(request.name, fields.over({}),
                              fields.models.value_or(std::vector<std::string>{}));
    case admin_operation::rotate_key:
      return store.rotate_key(request.name);
    case admin_operation::update_tenant: {
      auto updated = store.update_tenant(request.name, fields);
      if (!updated) return updated.error();
      return std::string();
    }
    case admin_operation::list_tenants:
    case admin_operation::get_tenant:
    case admin_operation::usage:
      break;
  }
  return make_error(errc::internal_error, "not a change");
}

void answer(admin_self self, const admin_request& request, const response_sink_ptr& sink,
            std::string key = {}) {
  auto store = self->state.open();
  if (!store) return sink->send_error(answerable(store.error()));
  auto reply = read(*store.value(), request);
  if (!reply && !key.empty()) {
    // The key is made and stored: it must reach the operator even if reading the tenant failed.
    spdlog::error("admin: cannot read tenant back: {}", reply.error().detail);
    admin_tenant made;
    made.info.name = request.name;
    made.today.day = utc_today();
    reply = admin_reply{request.operation, {std::move(made)}, {}, {}};
  }
  if (!reply) return sink->send_error(answerable(reply.error()));
  reply.value().operation = request.operation;
  reply.value().key = std::move(key);
  sink->send_admin(std::move(reply).value());
}

void change(admin_self self, const admin_request& request, const response_sink_ptr& sink) {
  auto store = self->state.open();
  if (!store) return sink->send_error(answerable(store.error()));
  auto key = write(*store.value(), request);
  if (!key) return sink->send_error(answerable(key.error()));
  spdlog::info("admin: tenant {}: {}", sanitize_text(request.name, logged_name_bytes),
               request.operation == admin_operation::create_tenant ? "created"
               : request.operation == admin_operation::rotate_key  ? "key rotated"
                                                                   : "updated");
  // The answer waits for the catalogs; should the loader fail, the change is in the store and
  // every catalog gets it with the next reload that works.
  const auto then = [=, made = std::move(key).value()] { answer(self, request, sink, made); };
  self->request(self->state.loader, caf::infinite, reload_atom::value)
      .await([=](bool) { then(); }, [=](caf::error&) { then(); });
}

admin_actor::behavior_type admin(admin_self self, catalog::store_options options,
                                 loader_actor loader, ledger_actor ledger) {
  self->state.options = std::move(options);
  self->state.loader = std::move(loader);
  self->state.ledger = std::move(ledger);
  return {
      [=](admin_atom, admin_request& request, response_sink_ptr& sink) {
        if (request.invalid) return sink->send_error(std::move(*request.invalid));
        switch (request.operation) {
          case admin_operation::create_tenant:
          case admin_operation::update_tenant:
          case admin_operation::rotate_key:
            return change(self, request, sink);
          case admin_operation::list_tenants:
          case admin_operation::get_tenant:
          case admin_operation::usage:
            break;
        }
        // Reads count every call that ended before them: the ledger writes what it holds first.
        const auto then = [=, asked = std::move(request), to = std::move(sink)] {
          answer(self, asked, to);
        };
        self->request(self->state.ledger, caf::infinite, sync_atom::value)
            .await([=](bool) { then(); }, [=](caf::error&) { then(); });
      },
  };
}

}  // namespace

admin_actor spawn_admin(caf::actor_system& system, catalog::store_options options,
                        loader_actor loader, ledger_actor ledger) {
  return system.spawn<caf::detached>(admin, std::move(options), std::move(loader),
                                     std::move(ledger));
}

}  // namespace qgate::actors
