// Anything the registry asks for text at scrape time: a metric family, or the process metrics.
#pragma once

#include <string>

namespace qgate::metrics {

class collector {
 public:
  virtual ~collector() = default;
  // Appends complete families (# HELP, # TYPE, samples) to `out`. Runs on the scraping thread,
  // concurrently with updates.
  virtual void collect(std::string& out) const = 0;
};

}  // namespace qgate::metrics
