// SSE per the WHATWG rules the gateway relies on: lines end in \n, \r\n or \r; a blank line ends
// an event; `data:` lines (one optional space after the colon) accumulate; `:` lines are comments.
#include "tools/loadgen/sse_accounting.hpp"

namespace qgate::loadgen {
namespace {

bool looks_like_object(std::string_view data) {
  return data.size() >= 2 && data.front() == '{' && data.back() == '}';
}

}  // namespace

void sse_accounting::reset() {
  counts_ = {};
  line_.clear();
  data_.clear();
  has_data_ = false;
  line_too_long_ = false;
  last_was_cr_ = false;
}

std::size_t sse_accounting::feed(std::string_view bytes) {
  completed_ = 0;
  for (const char c : bytes) {
    if (c == '\n' && last_was_cr_) {  // the \n of a \r\n pair: the line already ended at \r
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      if (line_too_long_) {
        ++counts_.malformed;
      } else {
        on_line(line_);
      }
      line_.clear();
      line_too_long_ = false;
      continue;
    }
    if (line_.size() < max_line_bytes) {
      line_.push_back(c);
    } else {
      line_too_long_ = true;
    }
  }
  return completed_;
}

void sse_accounting::on_line(std::string_view line) {
  if (line.empty()) return on_event();
  if (line.front() == ':') return;  // comment (`: ping`, DashScope's `:HTTP_STATUS/200`)
  const auto colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  if (field != "data") return;  // id, event, retry: not counted
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (has_data_) data_.push_back('\n');
  data_.append(value);
  has_data_ = true;
}

void sse_accounting::on_event() {
  if (!has_data_) return;
  ++counts_.frames;
  if (counts_.ended) {
    ++counts_.malformed;  // nothing may follow the end of a stream
  } else if (judge(data_)) {
    ++counts_.content;
    ++completed_;
  }
  data_.clear();
  has_data_ = false;
}

// True for a content frame; counts the end marker, error frames and malformed data itself.
bool sse_accounting::judge(std::string_view data) {
  if (dialect_ == sse_dialect::gateway) {
    if (data == "[DONE]") {
      counts_.ended = true;
      return false;
    }
    if (!looks_like_object(data)) {
      ++counts_.malformed;
      return false;
    }
    if (data.find("\"content\":") != std::string_view::npos) return true;
    if (data.find("\"code\":") != std::string_view::npos) {
      ++counts_.errors;
      return false;
    }
    ++counts_.malformed;
    return false;
  }
  if (!looks_like_object(data) || data.find("\"output\":") == std::string_view::npos) {
    ++counts_.malformed;
    return false;
  }
  // The last event names a real finish reason; the others carry the string "null".
  const auto reason = data.find("\"finish_reason\":\"");
  if (reason != std::string_view::npos && data.compare(reason + 17, 5, "null\"") != 0) {
    counts_.ended = true;
  }
  return true;
}

}  // namespace qgate::loadgen
