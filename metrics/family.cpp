// The family index: label tuples to slots, with each series' label text escaped once.
#include "metrics/family.hpp"

#include "metrics/exposition.hpp"

#include <algorithm>
#include <cassert>

namespace qgate::metrics {

std::string_view type_name(metric_type type) noexcept {
  switch (type) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

family::family(metric_type type, family_spec spec) : type_(type), spec_(std::move(spec)) {
  // Declarations are code, not input: a bad name is a bug caught by the first test that runs it.
  assert(is_metric_name(spec_.name));
  assert(type_ != metric_type::counter || spec_.name.ends_with("_total"));
  assert(std::all_of(spec_.labels.begin(), spec_.labels.end(),
                     [](const std::string& label) { return is_label_name(label); }));
  assert(spec_.max_series > 0);
}

std::size_t family::series_count() const {
  std::lock_guard lock{mutex_};
  return by_text_.size();
}

family::slot_result family::slot_for(std::span<const std::string_view> values) {
  assert(values.size() == spec_.labels.size());
  if (values.size() == spec_.labels.size()) {
    if (const auto found = index_.find(values); found != index_.end()) return {found->second};
    if (index_.size() < spec_.max_series) return insert(values);
  }
  // Over the cap, or the wrong number of values: the overflow series, allowed past the cap.
  const std::vector<std::string_view> overflow(spec_.labels.size(), overflow_label);
  if (const auto found = index_.find(overflow); found != index_.end()) return {found->second};
  return insert(overflow);
}

family::slot_result family::insert(std::span<const std::string_view> values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ',';
    text += spec_.labels[i];
    text += "=\"";
    append_label_value(text, values[i]);
    text += '"';
  }
  const auto [series, created] = by_text_.try_emplace(std::move(text), by_text_.size());
  index_.emplace(std::vector<std::string>(values.begin(), values.end()), series->second);
  return {series->second, created};
}

void family::append_header(std::string& out) const {
  out += "# HELP ";
  out += spec_.name;
  out += ' ';
  append_help(out, spec_.help);
  out += "\n# TYPE ";
  out += spec_.name;
  out += ' ';
  out += type_name(type_);
  out += '\n';
}

}  // namespace qgate::metrics
