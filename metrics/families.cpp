// Resolution (under the family's lock) and rendering of counters, gauges and histograms.
#include "metrics/families.hpp"

#include "metrics/exposition.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace qgate::metrics {
namespace {

// `name{labels} ` or `name ` (a family without labels).
void append_series(std::string& out, std::string_view name, std::string_view labels) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

}  // namespace

template <class Cells>
void family::collect_values(std::string& out, const Cells& cells) const {
  append_header(out);
  std::lock_guard lock{mutex_};
  for_each_series([&](std::string_view labels, std::size_t slot) {
    append_series(out, name(), labels);
    append_number(out, cells[slot].value.load(std::memory_order_relaxed));
    out += '\n';
  });
}

counter_family::counter_family(family_spec spec) : family(metric_type::counter, std::move(spec)) {}

counter_ref counter_family::with(std::span<const std::string_view> values) {
  std::lock_guard lock{mutex_};
  const auto [slot, created] = slot_for(values);
  if (created) cells_.emplace_back();
  return counter_ref{cells_[slot]};
}

void counter_family::collect(std::string& out) const { collect_values(out, cells_); }

gauge_family::gauge_family(family_spec spec) : family(metric_type::gauge, std::move(spec)) {}

gauge_ref gauge_family::with(std::span<const std::string_view> values) {
  std::lock_guard lock{mutex_};
  const auto [slot, created] = slot_for(values);
  if (created) cells_.emplace_back();
  return gauge_ref{cells_[slot]};
}

void gauge_family::collect(std::string& out) const { collect_values(out, cells_); }

histogram_family::histogram_family(family_spec spec, std::span<const double> bounds)
    : family(metric_type::histogram, std::move(spec)) {
  assert(bounds.size() <= max_buckets);
  assert(std::find(labels().begin(), labels().end(), "le") == labels().end());  // the bucket's own
  for (const double bound : bounds) {
    assert(std::isfinite(bound));
    assert(bounds_.size == 0 || bound > bounds_.upper[bounds_.size - 1]);
    if (bounds_.size == max_buckets) break;
    bounds_.upper[bounds_.size++] = bound;
    std::string le;
    append_number(le, bound);
    le_.push_back(std::move(le));
  }
  le_.emplace_back("+Inf");
}

histogram_ref histogram_family::with(std::span<const std::string_view> values) {
  std::lock_guard lock{mutex_};
  const auto [slot, created] = slot_for(values);
  if (created) cells_.emplace_back(bounds_);
  return histogram_ref{cells_[slot]};
}

void histogram_family::collect(std::string& out) const {
  append_header(out);
  const std::string bucket_name = name() + "_bucket";
  std::lock_guard lock{mutex_};
  for_each_series([&](std::string_view labels, std::size_t slot) {
    const histogram_cell& cell = cells_[slot];
    // Buckets are read once each and accumulated here, so every bucket is >= the one before and
    // _count is the +Inf bucket of this very scrape, however many observations race with it.
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size; ++i) {
      cumulative += cell.counts[i].load(std::memory_order_relaxed);
      out += bucket_name;
      out += '{';
      if (!labels.empty()) {
        out += labels;
        out += ',';
      }
      out += "le=\"";
      out += le_[i];
      out += "\"} ";
      append_number(out, cumulative);
      out += '\n';
    }
    out += name();
    out += "_sum";
    append_series(out, "", labels);
    append_number(out, cell.sum.load(std::memory_order_relaxed));
    out += '\n';
    out += name();
    out += "_count";
    append_series(out, "", labels);
    append_number(out, cumulative);
    out += '\n';
  });
}

}  // namespace qgate::metrics
