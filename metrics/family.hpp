// What every metric family shares: its name, help and type, and the index from label values to
// series. The concrete families (families.hpp) keep their cells by the slot this index hands out.
#pragma once

#include "metrics/collector.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::metrics {

enum class metric_type { counter, gauge, histogram };
[[nodiscard]] std::string_view type_name(metric_type type) noexcept;

// Series per family at most. Label values are bounded by design (fixed enums, catalog names); this
// is the backstop should a call site get that wrong: past it, new label tuples share one series.
inline constexpr std::size_t default_max_series = 10'000;
// The value of every label of that shared overflow series (and of a call with the wrong number of
// values).
inline constexpr std::string_view overflow_label = "other";

struct family_spec {
  std::string name;  // with its unit and, for a counter, `_total`
  std::string help;
  std::vector<std::string> labels;  // label names, in the order with() takes their values
  std::size_t max_series = default_max_series;
};

class family : public collector {
 public:
  family(metric_type type, family_spec spec);

  [[nodiscard]] const std::string& name() const noexcept { return spec_.name; }
  [[nodiscard]] metric_type type() const noexcept { return type_; }
  [[nodiscard]] const std::vector<std::string>& labels() const noexcept { return spec_.labels; }
  [[nodiscard]] std::size_t series_count() const;

 protected:
  struct slot_result {
    std::size_t slot = 0;
    bool created = false;  // a new slot: the caller adds its cell at index `slot`
  };
  // The slot of `values` (one per label name); new tuples get the next slot. Caller holds mutex_.
  slot_result slot_for(std::span<const std::string_view> values);
  // Calls visit(label_text, slot) for each series, ordered by label text. Caller holds mutex_.
  // label_text is the escaped `a="x",b="y"` (empty for a family without labels).
  template <class Visit>
  void for_each_series(Visit&& visit) const {
    for (const auto& [text, slot] : by_text_) visit(std::string_view{text}, slot);
  }
  void append_header(std::string& out) const;
  // The header, then `name{labels} value` for each series of a family whose cells hold one atomic
  // `value` (counters, gauges). Takes mutex_. Defined and instantiated in families.cpp.
  template <class Cells>
  void collect_values(std::string& out, const Cells& cells) const;

  mutable std::mutex mutex_;  // guards the index and the derived family's cell container

 private:
  // Orders label tuples, and compares a stored tuple with a caller's string_views (no allocation
  // when the series exists).
  struct tuple_less {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };

  slot_result insert(std::span<const std::string_view> values);

  metric_type type_;
  family_spec spec_;
  // Label tuples as callers pass them → slot. Two tuples may share a slot: values that differ only
  // in bytes that are not UTF-8 escape to the same text, and the format allows one series per text.
  std::map<std::vector<std::string>, std::size_t, tuple_less> index_;
  std::map<std::string, std::size_t> by_text_;  // escaped label text → slot: the series, in order
};

}  // namespace qgate::metrics
