#include "tools/admin/tenant_command.hpp"

#include "catalog/store.hpp"
#include "catalog/tenant_store.hpp"
#include "config/loader.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>

namespace qgate::admin {
namespace {

struct limit_flags {
  std::optional<std::int64_t> rpm;
  std::optional<std::int64_t> tpm;
  std::optional<std::int64_t> max_streams;

  void add_to(CLI::App& command) {
    command.add_option("--rpm", rpm, "requests per minute (0: unlimited)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--tpm", tpm, "tokens per minute (0: unlimited)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("--max-streams", max_streams, "concurrent streams (0: unlimited)")
        ->check(CLI::NonNegativeNumber);
  }
  // Only the limits given change.
  tenant_update update() const {
    tenant_update fields;
    fields.rpm = rpm;
    fields.tpm = tpm;
    fields.max_streams = max_streams;
    return fields;
  }
};

// "*" or "" is every model, as `tenant list` shows it.
std::vector<std::string> models_of(const std::string& text) {
  return text == "*" ? std::vector<std::string>{} : catalog::split_models(text);
}

int fail(const std::string& message) {
  std::fprintf(stderr, "qgate tenant: %s\n", message.c_str());
  return 1;
}

void print_table(const std::vector<catalog::tenant_record>& tenants) {
  std::printf("%-20s %-12s %-8s %8s %10s %12s  %-20s %s\n", "NAME", "KEY", "ENABLED", "RPM", "TPM",
              "MAX_STREAMS", "CREATED", "MODELS");
  for (const auto& t : tenants) {
    const auto& l = t.info.limits;
    const auto models =
        t.info.models.empty() ? std::string("*") : catalog::join_models(t.info.models);
    std::printf("%-20s %-12s %-8s %8lld %10lld %12lld  %-20s %s\n", t.info.name.c_str(),
                (t.info.key_prefix + "…").c_str(), t.info.enabled ? "yes" : "no",
                static_cast<long long>(l.rpm), static_cast<long long>(l.tpm),
                static_cast<long long>(l.max_streams), t.created_at.c_str(), models.c_str());
  }
}

}  // namespace

int run_tenant_command(int argc, char** argv) {
  CLI::App app{"qgate tenant: manage tenants, their API keys and limits"};
  app.require_subcommand(1);
  // Global options such as --config may follow the subcommand (`qgate tenant add x --config F`):
  // subcommands hand the options they do not know to the app. Set before they are added.
  app.fallthrough();
  std::string config_path;
  app.add_option("--config", config_path,
                 "TOML configuration file (for catalog.path or catalog.postgres_url)");
  std::string name;
  std::string models;
  limit_flags limits;
  auto* add = app.add_subcommand("add", "create a tenant and print its API key (shown once)");
  add->add_option("name", name, "tenant name")->required();
  add->add_option("--models", models, "allowed models, comma-separated (default: all)");
  limits.add_to(*add);
  app.add_subcommand("list", "list tenants (keys appear only as a prefix)");
  for (const char* verb : {"disable", "enable", "rotate-key"}) {
    app.add_subcommand(verb, std::string(verb) + " a tenant")
        ->add_option("name", name, "tenant name")
        ->required();
  }
  auto* set_limits = app.add_subcommand("set-limits", "change a tenant's limits");
  set_limits->add_option("name", name, "tenant name")->required();
  limits.add_to(*set_limits);
  auto* set_models = app.add_subcommand("set-models", "change a tenant's allowed models");
  set_models->add_option("name", name, "tenant name")->required();
  set_models->add_option("models", models, "allowed models, comma-separated (\"*\": all)")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& failure) {
    return app.exit(failure) == 0 ? 0 : 2;
  }

  config::cli_options cli;
  if (!config_path.empty()) cli.config_path = config_path;
  auto loaded = config::load_settings(cli, config::process_environment());
  if (!loaded.value) {
    std::fprintf(stderr, "qgate: invalid configuration: %s\n", loaded.failure->message.c_str());
    return 2;
  }
  const auto& catalog = loaded.value->catalog;
  auto opened = catalog::open_store({catalog.path, catalog.postgres_url, catalog.seed});
  if (!opened && !catalog.postgres_url.empty()) {
    // The same catalog every instance serves from: unreachable is a configuration to fix.
    std::fprintf(stderr, "qgate tenant: catalog.postgres_url (%s): %s\n",
                 config::without_password(catalog.postgres_url).c_str(),
                 opened.error().detail.c_str());
    return 2;
  }
  if (!opened) return fail(opened.error().detail);
  auto& store = *opened.value();
  const auto verb = app.get_subcommands().front()->get_name();

  if (verb == "list") {
    auto tenants = store.list_tenants();
    if (!tenants) return fail(tenants.error().detail);
    print_table(tenants.value());
    return 0;
  }
  if (verb == "add" || verb == "rotate-key") {
    auto key = verb == "add" ? store.add_tenant(name, limits.update().over({}), models_of(models))
                             : store.rotate_key(name);
    if (!key) return fail(key.error().detail);
    std::printf("%s\n", key.value().c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "qgate tenant: the key of %s is shown only this once; store it now.\n",
                 name.c_str());
    return 0;
  }
  // The admin API makes the same calls (actors/admin_actor.cpp): one implementation, one set of
  // rules (messages/tenant_rules).
  tenant_update update;
  if (verb == "set-limits") {
    update = limits.update();
  } else if (verb == "set-models") {
    update.models = models_of(models);
  } else {
    update.enabled = verb == "enable";
  }
  auto changed = store.update_tenant(name, update);
  return changed ? 0 : fail(changed.error().detail);
}

}  // namespace qgate::admin
