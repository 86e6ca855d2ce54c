// SSE per the WHATWG rules the gateway relies on: lines end in \n, \r\n or \r; a blank line ends
// an event; `data:` lines (one optional space after the colon) accumulate; `:` lines are comments.
#include "tools/loadgen/sse_accounting.hpp"

namespace qgate::loadgen {

bool sse_accounting::lost() const {
  if (!counts_.ended || counts_.malformed != 0) return true;
  return reader_.dialect() == sse_dialect::openai && !counts_.finished;
}

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

// True for a content frame; counts the end marker, error frames, malformed data and usage.
bool sse_accounting::judge(std::string_view data) {
  const frame_verdict v = reader_.read_frame(data);
  if (v.malformed) ++counts_.malformed;
  if (v.error) ++counts_.errors;
  if (v.finished) counts_.finished = true;
  if (v.ends_stream) counts_.ended = true;
  if (v.output_tokens) {
    counts_.usage_seen = true;
    counts_.usage_output_tokens = *v.output_tokens;
  }
  return v.content;
}

}  // namespace qgate::loadgen
