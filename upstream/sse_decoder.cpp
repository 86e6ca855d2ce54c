#include "upstream/sse_decoder.hpp"

#include <charconv>

namespace qgate::upstream {
namespace {

constexpr std::string_view status_comment = "HTTP_STATUS/";

std::string_view field_value(std::string_view line, std::size_t colon) {
  std::string_view value =
      colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

bool sse_decoder::feed(std::string_view bytes, std::vector<sse_event>& out) {
  if (overflowed_) return false;
  std::size_t start = 0;
  if (skip_line_feed_ && !bytes.empty() && bytes.front() == '\n') start = 1;
  skip_line_feed_ = false;
  for (std::size_t i = start; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') continue;
    line_.append(bytes.substr(start, i - start));
    take_line(line_, out);
    line_.clear();
    if (c == '\r') {
      if (i + 1 < bytes.size()) {
        if (bytes[i + 1] == '\n') ++i;
      } else {
        skip_line_feed_ = true;
      }
    }
    start = i + 1;
  }
  line_.append(bytes.substr(start));
  if (line_.size() + pending_.data.size() > max_event_bytes_) overflowed_ = true;
  return !overflowed_;
}

void sse_decoder::finish(std::vector<sse_event>& out) {
  if (overflowed_) return;
  if (!line_.empty()) {
    take_line(line_, out);
    line_.clear();
  }
  if (has_data_) dispatch(out);
}

void sse_decoder::take_line(std::string_view line, std::vector<sse_event>& out) {
  if (line.empty()) {
    if (has_data_) {
      dispatch(out);
    } else if (has_fields_) {
      pending_ = sse_event{};  // an event without data is not delivered (SSE rules)
      has_fields_ = false;
    }
    return;
  }
  const std::size_t colon = line.find(':');
  if (colon == 0) {
    const std::string_view comment = line.substr(1);
    if (comment.starts_with(status_comment)) {
      int status = 0;
      const auto digits = comment.substr(status_comment.size());
      const auto parsed = std::from_chars(digits.data(), digits.data() + digits.size(), status);
      if (parsed.ec == std::errc{}) pending_.http_status = status;
      has_fields_ = true;
    }
    return;
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = field_value(line, colon);
  // Some captured DashScope streams omit the blank line between events: a new id closes the
  // previous event.
  if (name == "id" && has_data_) dispatch(out);
  has_fields_ = true;
  if (name == "data") {
    if (has_data_) pending_.data += '\n';
    pending_.data.append(value);
    has_data_ = true;
  } else if (name == "event") {
    pending_.event.assign(value);
  } else if (name == "id") {
    pending_.id.assign(value);
  }
}

void sse_decoder::dispatch(std::vector<sse_event>& out) {
  out.push_back(std::move(pending_));
  pending_ = sse_event{};
  has_fields_ = false;
  has_data_ = false;
}

}  // namespace qgate::upstream
