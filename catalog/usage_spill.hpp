// Usage rows that could not reach the ledger database in time, kept in a local file (one JSON
// object a line) and written to the database when it is back: the ledger never loses a row to an
// outage, only to a full disk.
#pragma once

#include "messages/error.hpp"
#include "messages/tenant.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace qgate::catalog {

class usage_spill {
 public:
  using writer = std::function<result<void>(const std::vector<usage_record>&)>;

  explicit usage_spill(std::string path) : path_(std::move(path)) {}

  // Appends the rows and flushes them to the disk (fdatasync) before returning.
  [[nodiscard]] result<void> append(const std::vector<usage_record>& rows);
  // True when rows wait in the file (or in one a replay left).
  [[nodiscard]] bool pending() const;
  // Rows waiting (lines in the files; start-up only: it reads them).
  [[nodiscard]] std::size_t count() const;
  // Writes every spilled row through `write`, `batch` rows at a time, oldest first, adding each
  // batch written to `written`. Rows written leave the file; on the first failure the rest stay
  // for the next call. A crash between a batch's commit and the file's update may write that
  // batch twice, never lose it.
  [[nodiscard]] result<void> replay(const writer& write, std::size_t& written,
                                    std::size_t batch = 1000);

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;  // appended to; a replay first renames it to path_ + ".replaying"
};

// One row as its line (no newline), and back (pure).
std::string spill_line(const usage_record& row);
[[nodiscard]] result<usage_record> parse_spill_line(std::string_view line);

}  // namespace qgate::catalog
