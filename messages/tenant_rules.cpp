#include "messages/tenant_rules.hpp"

#include "messages/utf8.hpp"

namespace qgate {
namespace {

error refused(std::string_view field, std::string detail) {
  return make_error(errc::invalid_params, std::string(field) + " " + std::move(detail),
                    std::string(field));
}

// Valid UTF-8 with no control character: C0, DEL and C1 (U+0080..U+009F, 0xC2 0x80..0x9F).
bool printable_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto length = utf8_sequence_length(text, i);
    if (length == 0 || c < 0x20 || c == 0x7F) return false;
    if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) return false;
    i += length;
  }
  return true;
}

[[nodiscard]] result<void> check_text(std::string_view field, std::string_view text,
                                      std::size_t max_bytes) {
  if (text.empty()) return refused(field, "不能为空");
  if (text.size() > max_bytes)
    return refused(field, "不能超过 " + std::to_string(max_bytes) + " 字节");
  if (!printable_utf8(text)) return refused(field, "必须是不含控制字符的 UTF-8 文本");
  if (text.front() == ' ' || text.back() == ' ') return refused(field, "首尾不能是空格");
  return boost::outcome_v2::success();
}

}  // namespace

result<void> check_tenant_name(std::string_view name, std::string_view field) {
  return check_text(field, name, max_tenant_name_bytes);
}

result<void> check_tenant_models(const std::vector<std::string>& models) {
  if (models.size() > max_tenant_models)
    return refused("models", "最多 " + std::to_string(max_tenant_models) + " 个");
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto field = "models[" + std::to_string(i) + "]";
    if (auto checked = check_text(field, models[i], max_model_name_bytes); !checked) {
      auto err = checked.error();
      err.param = "models";
      return err;
    }
    if (models[i].find(',') != std::string::npos) {
      auto err = refused(field, "不能包含逗号");
      err.param = "models";
      return err;
    }
  }
  return boost::outcome_v2::success();
}

result<void> check_tenant_limit(std::string_view field, std::int64_t value) {
  if (value >= 0 && value <= max_tenant_limit) return boost::outcome_v2::success();
  return refused(field, "必须是 0 到 " + std::to_string(max_tenant_limit) + " 之间的整数");
}

result<void> check_tenant_update(const tenant_update& update) {
  for (const auto& [field, value] : {std::pair{"rpm", update.rpm}, std::pair{"tpm", update.tpm},
                                     std::pair{"max_streams", update.max_streams}}) {
    if (!value) continue;
    if (auto checked = check_tenant_limit(field, *value); !checked) return checked;
  }
  if (update.models) return check_tenant_models(*update.models);
  return boost::outcome_v2::success();
}

}  // namespace qgate
