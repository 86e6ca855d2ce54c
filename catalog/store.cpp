#include "catalog/store.hpp"

#include "catalog/model_store.hpp"
#include "catalog/pg_store.hpp"
#include "catalog/tenant_store.hpp"

namespace qgate::catalog {
namespace {

// SQLite, one file on one machine: the model and tenant stores over one connection.
class sqlite_store final : public store {
 public:
  explicit sqlite_store(model_store models) : models_(std::move(models)) {}

  result<std::vector<model_info>> list_models() override { return models_.list_models(); }
  result<std::string> add_tenant(const std::string& name, const tenant_limits& limits,
                                 const std::vector<std::string>& models) override {
    return tenants_.add(name, limits, models);
  }
  result<std::vector<tenant_record>> list_tenants() override { return tenants_.list(); }
  result<tenant_record> find_tenant(const std::string& name) override {
    return tenants_.find(name);
  }
  result<void> update_tenant(const std::string& name, const tenant_update& update) override {
    return tenants_.update(name, update);
  }
  result<std::string> rotate_key(const std::string& name) override {
    return tenants_.rotate_key(name);
  }
  result<void> record_usage(const std::vector<usage_record>& rows) override {
    return tenants_.record_usage(rows);
  }
  result<std::vector<usage_total>> usage_totals(const std::string& tenant,
                                                const std::string& from_day,
                                                const std::string& to_day) override {
    return tenants_.usage_totals(tenant, from_day, to_day);
  }
  result<std::vector<tenant_usage>> usage_report(const std::string& tenant,
                                                 const std::string& from_day,
                                                 const std::string& to_day) override {
    return tenants_.usage_report(tenant, from_day, to_day);
  }
  // Another process's change moves the version counter the triggers keep.
  result<bool> catalog_changed() override {
    auto version = models_.catalog_version();
    if (!version) return version.error();
    const bool changed = seen_ && version.value() != *seen_;
    seen_ = version.value();
    return changed;
  }

 private:
  model_store models_;
  tenant_store tenants_{models_.database()};
  std::optional<std::int64_t> seen_;
};

}  // namespace

result<void> store::set_enabled(const std::string& name, bool enabled) {
  return update_tenant(name, tenant_update::of_enabled(enabled));
}

result<void> store::set_limits(const std::string& name, const tenant_limits& limits) {
  return update_tenant(name, tenant_update::of_limits(limits));
}

result<std::unique_ptr<store>> open_store(const store_options& options) {
  if (!options.postgres_url.empty()) return open_pg_store(options.postgres_url, options.seed_path);
  auto models = model_store::open(options.sqlite_path, options.seed_path);
  if (!models) return models.error();
  std::unique_ptr<store> opened = std::make_unique<sqlite_store>(std::move(models).value());
  // The first call only records the version the snapshot will be read at.
  if (auto first = opened->catalog_changed(); !first) return first.error();
  return opened;
}

}  // namespace qgate::catalog
