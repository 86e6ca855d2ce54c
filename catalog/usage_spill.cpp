#include "catalog/usage_spill.hpp"

#include "messages/json_escape.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace qgate::catalog {
namespace {

error spill_error(const std::string& path, const std::string& what) {
  return make_error(errc::internal_error, "ledger spill file " + path + ": " + what);
}

// Writes all of `text` to `path` (appending or replacing) and syncs it.
result<void> write_file(const std::string& path, std::string_view text, bool append) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
  if (fd < 0) return spill_error(path, std::strerror(errno));
  while (!text.empty()) {
    const auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const auto failure = std::strerror(errno);
      ::close(fd);
      return spill_error(path, failure);
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  const bool synced = ::fdatasync(fd) == 0;
  ::close(fd);
  if (!synced) return spill_error(path, "fdatasync failed");
  return boost::outcome_v2::success();
}

bool non_empty(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::file_size(path, ignored) > 0 && !ignored;
}

}  // namespace

std::string spill_line(const usage_record& row) {
  std::string line = "{\"ts\":";
  append_json_string(line, row.time);
  line += ",\"tenant\":";
  append_json_string(line, row.tenant);
  line += ",\"model\":";
  append_json_string(line, row.model);
  line += ",\"stream\":";
  line += row.stream ? "true" : "false";
  line += ",\"status\":" + std::to_string(row.status);
  line += ",\"input_tokens\":" + std::to_string(row.input_tokens);
  line += ",\"output_tokens\":" + std::to_string(row.output_tokens);
  line += ",\"total_tokens\":" + std::to_string(row.total_tokens);
  line += ",\"latency_ms\":" + std::to_string(row.latency_ms);
  line += ",\"request_id\":";
  append_json_string(line, row.request_id);
  line += '}';
  return line;
}

result<usage_record> parse_spill_line(std::string_view line) {
  simdjson::dom::parser parser;
  simdjson::dom::element object;
  if (parser.parse(line.data(), line.size()).get(object) != simdjson::SUCCESS)
    return make_error(errc::internal_error, "a spilled row is not JSON");
  usage_record row;
  std::string_view text;
  std::int64_t number = 0;
  bool flag = false;
  const auto read_text = [&](const char* key, std::string& out) {
    if (object[key].get(text) != simdjson::SUCCESS) return false;
    out = std::string(text);
    return true;
  };
  const auto read_number = [&](const char* key, std::int64_t& out) {
    return object[key].get(out) == simdjson::SUCCESS;
  };
  if (!read_text("ts", row.time) || !read_text("tenant", row.tenant) ||
      !read_text("model", row.model) || !read_text("request_id", row.request_id) ||
      object["stream"].get(flag) != simdjson::SUCCESS || !read_number("status", number) ||
      !read_number("input_tokens", row.input_tokens) ||
      !read_number("output_tokens", row.output_tokens) ||
      !read_number("total_tokens", row.total_tokens) ||
      !read_number("latency_ms", row.latency_ms)) {
    return make_error(errc::internal_error, "a spilled row lacks a field");
  }
  row.stream = flag;
  row.status = static_cast<int>(number);
  return row;
}

result<void> usage_spill::append(const std::vector<usage_record>& rows) {
  if (const auto parent = std::filesystem::path(path_).parent_path(); !parent.empty()) {
    std::error_code ignored;  // a failure shows when the file cannot be opened
    std::filesystem::create_directories(parent, ignored);
  }
  std::string text;
  for (const auto& row : rows) text += spill_line(row) + '\n';
  return write_file(path_, text, true);
}

bool usage_spill::pending() const { return non_empty(path_) || non_empty(path_ + ".replaying"); }

std::size_t usage_spill::count() const {
  std::size_t lines = 0;
  for (const auto& path : {path_ + ".replaying", path_}) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) lines += line.empty() ? 0 : 1;
  }
  return lines;
}

result<void> usage_spill::replay(const writer& write, std::size_t& written, std::size_t batch) {
  const auto replaying = path_ + ".replaying";
  // A replay cut short left its file: finish it before taking newer rows.
  while (non_empty(replaying) || non_empty(path_)) {
    std::error_code failed;
    if (!non_empty(replaying)) std::filesystem::rename(path_, replaying, failed);
    if (failed) return spill_error(path_, failed.message());
    std::ifstream in(replaying);
    std::vector<usage_record> rows;
    std::string line;
    const auto flush = [&]() -> result<void> {
      if (rows.empty()) return boost::outcome_v2::success();
      if (auto done = write(rows); !done) return done.error();
      written += rows.size();
      rows.clear();
      return boost::outcome_v2::success();
    };
    result<void> outcome = boost::outcome_v2::success();
    while (outcome && std::getline(in, line)) {
      if (line.empty()) continue;
      auto row = parse_spill_line(line);
      if (!row) continue;  // a line torn by a crash mid-append: nothing to recover from it
      rows.push_back(std::move(row).value());
      if (rows.size() >= batch) outcome = flush();
    }
    if (outcome) outcome = flush();
    if (!outcome) {
      // Keep what is not written yet: the failed batch and every line after it.
      std::string rest;
      for (const auto& row : rows) rest += spill_line(row) + '\n';
      while (std::getline(in, line)) rest += line + '\n';
      in.close();
      // A new file renamed over the old: a crash leaves one or the other, whole.
      if (auto kept = write_file(replaying + ".tmp", rest, false); !kept) return kept.error();
      std::filesystem::rename(replaying + ".tmp", replaying, failed);
      if (failed) return spill_error(replaying, failed.message());
      return outcome.error();
    }
    in.close();
    std::filesystem::remove(replaying, failed);
  }
  return boost::outcome_v2::success();
}

}  // namespace qgate::catalog
