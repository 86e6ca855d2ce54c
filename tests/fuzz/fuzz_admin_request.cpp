// Any admin request (method, target, body: split from the input at its first two newlines) is a
// route refusal, an admin_request carrying its error, or a request that obeys the tenant rules:
// never a crash. Whatever it yields renders as an error envelope.
#include "http/admin_request.hpp"
#include "http/error_mapping.hpp"
#include "messages/tenant_rules.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto take_line = [&] {
    const auto end = input.find('\n');
    const auto line = input.substr(0, end);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
    return line;
  };
  const auto method = take_line();
  const auto target = take_line();
  const auto parsed = qgate::http::parse_admin_request(method, target, input);
  if (parsed.refused) {
    (void)qgate::http::error_body(*parsed.refused);
    return 0;
  }
  const auto& request = parsed.request;
  if (request.invalid) {
    (void)qgate::http::error_body(*request.invalid);
    return 0;
  }
  // What the parser lets through, the stores take.
  if (!request.name.empty() && !qgate::check_tenant_name(request.name)) __builtin_trap();
  if (!qgate::check_tenant_update(request.fields)) __builtin_trap();
  return 0;
}
