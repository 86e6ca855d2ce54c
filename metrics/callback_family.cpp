// Callback families: bound functions summed at scrape time, under the family's lock so that
// unbinding waits for a scrape in progress.
#include "metrics/callback_family.hpp"

#include "metrics/exposition.hpp"

#include <algorithm>
#include <cassert>

namespace qgate::metrics {

callback_registration& callback_registration::operator=(callback_registration&& other) noexcept {
  if (this != &other) {
    reset();
    family_ = std::exchange(other.family_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void callback_registration::reset() noexcept {
  if (family_ != nullptr) family_->unbind(id_);
  family_ = nullptr;
}

callback_family::callback_family(family_spec spec, metric_type type)
    : family(type, std::move(spec)) {
  assert(type != metric_type::histogram);
  assert(labels().empty());
}

callback_registration callback_family::bind(std::function<double()> read) {
  std::lock_guard lock{mutex_};
  const std::uint64_t id = next_id_++;
  reads_.emplace_back(id, std::move(read));
  return callback_registration{this, id};
}

void callback_family::unbind(std::uint64_t id) noexcept {
  std::lock_guard lock{mutex_};
  std::erase_if(reads_, [id](const auto& entry) { return entry.first == id; });
}

void callback_family::collect(std::string& out) const {
  std::lock_guard lock{mutex_};
  if (reads_.empty()) return;
  double total = 0;
  for (const auto& [id, read] : reads_) total += read();
  append_header(out);
  out += name();
  out += ' ';
  append_number(out, total);
  out += '\n';
}

}  // namespace qgate::metrics
