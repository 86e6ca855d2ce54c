// A family without labels whose value lives elsewhere (the ledger's counters, a pool's size): read
// by callbacks at scrape time instead of being pushed on every change.
#pragma once

#include "metrics/family.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace qgate::metrics {

class callback_family;

// Keeps one callback bound; destroying it unbinds, waiting for a scrape that is calling it, so
// the callback never runs after this is gone. Move-only.
class callback_registration {
 public:
  callback_registration() noexcept = default;
  callback_registration(callback_registration&& other) noexcept
      : family_(std::exchange(other.family_, nullptr)), id_(other.id_) {}
  callback_registration& operator=(callback_registration&& other) noexcept;
  callback_registration(const callback_registration&) = delete;
  callback_registration& operator=(const callback_registration&) = delete;
  ~callback_registration() { reset(); }

  void reset() noexcept;
  // Leaves the callback bound for the family's lifetime: for callbacks that own what they read
  // (a captured shared_ptr).
  void release() noexcept { family_ = nullptr; }

 private:
  friend class callback_family;
  callback_registration(callback_family* family, std::uint64_t id) noexcept
      : family_(family), id_(id) {}
  callback_family* family_ = nullptr;
  std::uint64_t id_ = 0;
};

class callback_family final : public family {
 public:
  // `type`: counter (name ends in _total; the callback's value never decreases) or gauge.
  callback_family(family_spec spec, metric_type type);

  // Adds `read` to this family's sample: the sample is the sum of every bound callback (one per io
  // thread, say), and the family is absent from the output while none is bound. `read` runs on
  // the scraping thread, so it reads atomics or takes its own lock; it must not bind or unbind.
  [[nodiscard]] callback_registration bind(std::function<double()> read);
  void collect(std::string& out) const override;

 private:
  friend class callback_registration;
  void unbind(std::uint64_t id) noexcept;

  std::vector<std::pair<std::uint64_t, std::function<double()>>> reads_;  // under mutex_
  std::uint64_t next_id_ = 1;
};

}  // namespace qgate::metrics
