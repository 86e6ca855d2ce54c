#include "http/chat_request_parser.hpp"

#include <simdjson.h>

#include <string>

namespace qgate::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

error invalid_params(std::string detail) {
  return make_error(errc::invalid_params, std::move(detail));
}
error invalid_messages(std::string detail) {
  return make_error(errc::invalid_messages, std::move(detail));
}

bool is_null(const element& value) { return value.type() == element_type::NULL_VALUE; }

// Present and not null: JSON null counts as "not given" for optional parameters.
bool given(const simdjson::dom::object& root, std::string_view key, element& value) {
  return root.at_key(key).get(value) == simdjson::SUCCESS && !is_null(value);
}

[[nodiscard]] result<double> number_of(const element& value, std::string_view name) {
  double number = 0;
  if (value.type() == element_type::BOOL || value.get(number) != simdjson::SUCCESS) {
    return invalid_params(std::string(name) + " 必须是数字");
  }
  return number;
}

[[nodiscard]] result<chat_role> role_of(const element& value, std::size_t index) {
  std::string_view role;
  if (value.get(role) == simdjson::SUCCESS) {
    if (role == "system") return chat_role::system;
    if (role == "user") return chat_role::user;
    if (role == "assistant") return chat_role::assistant;
  }
  return invalid_messages("messages[" + std::to_string(index) +
                          "].role 必须是 system、user 或 assistant");
}

[[nodiscard]] result<chat_message> message_of(const element& item, std::size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "]";
  simdjson::dom::object object;
  if (item.get(object) != simdjson::SUCCESS) return invalid_messages(where + " 必须是对象");
  element role_value;
  if (object.at_key("role").get(role_value) != simdjson::SUCCESS) {
    return invalid_messages(where + ".role 缺失");
  }
  auto role = role_of(role_value, index);
  if (!role) return role.error();
  element content_value;
  std::string_view content;
  if (object.at_key("content").get(content_value) != simdjson::SUCCESS) {
    return invalid_messages(where + ".content 缺失");
  }
  if (content_value.get(content) != simdjson::SUCCESS) {
    return invalid_messages(where + ".content 必须是字符串");
  }
  if (content.empty()) return invalid_messages(where + ".content 不能为空");
  return chat_message{role.value(), std::string(content)};
}

[[nodiscard]] result<void> read_messages(const simdjson::dom::object& root, chat_request& request) {
  element value;
  // An absent list is as empty as an empty one: the spec's message for both.
  if (!given(root, "messages", value)) return make_error(errc::invalid_messages);
  simdjson::dom::array items;
  if (value.get(items) != simdjson::SUCCESS) return invalid_messages("messages 必须是数组");
  if (items.size() == 0) return make_error(errc::invalid_messages);
  bool has_user = false;
  std::size_t index = 0;
  for (element item : items) {
    auto message = message_of(item, index++);
    if (!message) return message.error();
    has_user = has_user || message.value().role == chat_role::user;
    request.messages.push_back(std::move(message).value());
  }
  if (!has_user) return invalid_messages("messages 至少需要一条 user 消息");
  return boost::outcome_v2::success();
}

[[nodiscard]] result<void> read_sampling(const simdjson::dom::object& root, chat_request& request) {
  element value;
  if (given(root, "temperature", value)) {
    auto temperature = number_of(value, "temperature");
    if (!temperature) return temperature.error();
    if (!(temperature.value() >= 0.0 && temperature.value() < 2.0)) {
      return invalid_params("temperature 必须在 [0, 2) 范围内");
    }
    request.temperature = temperature.value();
  }
  if (given(root, "top_p", value)) {
    auto top_p = number_of(value, "top_p");
    if (!top_p) return top_p.error();
    if (!(top_p.value() > 0.0 && top_p.value() <= 1.0)) {
      return invalid_params("top_p 必须在 (0, 1] 范围内");
    }
    request.top_p = top_p.value();
  }
  if (given(root, "max_tokens", value)) {
    std::int64_t max_tokens = 0;
    if (value.type() != element_type::INT64 && value.type() != element_type::UINT64) {
      return invalid_params("max_tokens 必须是正整数");
    }
    if (value.get(max_tokens) != simdjson::SUCCESS || max_tokens < 1 ||
        max_tokens > max_tokens_limit) {
      return invalid_params("max_tokens 必须在 [1, " + std::to_string(max_tokens_limit) +
                            "] 范围内");
    }
    request.max_tokens = max_tokens;
  }
  return boost::outcome_v2::success();
}

}  // namespace

result<chat_request> parse_chat_request(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  element document;
  if (parser.parse(body.data(), body.size()).get(document) != simdjson::SUCCESS) {
    return invalid_params("请求体不是有效的 JSON");
  }
  simdjson::dom::object root;
  if (document.get(root) != simdjson::SUCCESS) return invalid_params("请求体必须是 JSON 对象");

  chat_request request;
  element value;
  if (!given(root, "model", value)) return make_error(errc::invalid_model, "model 缺失");
  std::string_view model;
  if (value.get(model) != simdjson::SUCCESS) return invalid_params("model 必须是字符串");
  if (model.empty()) return make_error(errc::invalid_model, "model 为空");
  request.model = model;

  if (auto messages = read_messages(root, request); !messages) return messages.error();
  if (given(root, "stream", value)) {
    if (value.get(request.stream) != simdjson::SUCCESS)
      return invalid_params("stream 必须是布尔值");
  }
  if (auto sampling = read_sampling(root, request); !sampling) return sampling.error();
  return request;
}

}  // namespace qgate::http
