// Process-wide logging (spdlog): text or one JSON object per line, to stdout.
#pragma once

#include "config/settings.hpp"

#include <memory>

namespace spdlog::sinks {
class sink;
}

namespace qgate::config {

// `sink` replaces stdout (tests capture output with it).
void setup_logging(const log_settings& settings,
                   std::shared_ptr<spdlog::sinks::sink> sink = nullptr);
void flush_logs();

}  // namespace qgate::config
