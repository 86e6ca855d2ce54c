// Parses each event's data and each body whole with simdjson's DOM (so "malformed" means "not
// JSON" or "not the dialect's shape", never a guess from substrings), then hands the document to
// the dialect's judge. The end marker `[DONE]` is not JSON and is recognised before parsing.
#include "tools/loadgen/wire_reader.hpp"

#include "tools/loadgen/wire_judges.hpp"

namespace qgate::loadgen {

struct wire_reader::parser {
  simdjson::dom::parser dom;
};

wire_reader::wire_reader(sse_dialect dialect)
    : dialect_(dialect), parser_(std::make_unique<parser>()) {}

wire_reader::~wire_reader() = default;

frame_verdict wire_reader::read_frame(std::string_view data) {
  frame_verdict v;
  if (data == "[DONE]" && dialect_ != sse_dialect::dashscope) {
    v.ends_stream = true;
    return v;
  }
  simdjson::dom::element root;
  if (parser_->dom.parse(data.data(), data.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    v.malformed = true;
    return v;
  }
  switch (dialect_) {
    case sse_dialect::gateway:
      return judges::gateway_frame(root);
    case sse_dialect::dashscope:
      return judges::dashscope_frame(root);
    case sse_dialect::openai:
      return judges::openai_frame(root);
  }
  v.malformed = true;
  return v;
}

body_verdict wire_reader::read_body(std::string_view body) {
  simdjson::dom::element root;
  if (parser_->dom.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return {};
  }
  switch (dialect_) {
    case sse_dialect::gateway:
      return judges::gateway_body(root);
    case sse_dialect::dashscope:
      return judges::dashscope_body(root);
    case sse_dialect::openai:
      return judges::openai_body(root);
  }
  return {};
}

namespace judges {

std::optional<std::uint64_t> read_count(simdjson::dom::element object, std::string_view key) {
  std::uint64_t n = 0;
  if (object[key].get(n) != simdjson::SUCCESS) return std::nullopt;
  return n;
}

bool names_finish(simdjson::dom::element holder) {
  std::string_view reason;
  return holder["finish_reason"].get(reason) == simdjson::SUCCESS && !reason.empty() &&
         reason != "null";
}

}  // namespace judges
}  // namespace qgate::loadgen
