// Routing: the control endpoints, the native and the OpenAI-compatible generation endpoints.
#include "tools/mock_dashscope/mock_script.hpp"

#include "tools/mock_dashscope/mock_render.hpp"
#include "tools/mock_dashscope/mock_routes.hpp"
#include "tools/mock_dashscope/mock_wire.hpp"

namespace qgate::mock {

script reply(int status, std::string_view body, std::string_view request_id, bool keep_alive) {
  script s;
  s.steps.push_back({0, full_response(status, body, request_id, keep_alive)});
  s.end = keep_alive ? ending::keep_alive : ending::close;
  return s;
}

bool is_control_target(std::string_view target) { return target.starts_with("/mock/"); }

bool is_compat_path(std::string_view path) {
  return path == compat_path || path == self_hosted_compat_path;
}

script plan(const incoming& in, mock_state& state) {
  const std::string_view path = in.target.substr(0, in.target.find('?'));
  if (is_control_target(path)) return plan_control(in, state);
  ++state.counters().requests;
  std::string request_id = new_request_id();
  if (path == generation_path) return plan_native(in, state, std::move(request_id));
  if (is_compat_path(path)) return plan_compat(in, state, std::move(request_id));
  return reply(404, error_json({404, "NotFound", "url error, please check url！"}, request_id),
               request_id, in.keep_alive);
}

bool reflects(std::string_view fault_name, std::string_view body) {
  return fault_name.starts_with("reflect") ||
         body.find("[[fault:reflect") != std::string_view::npos;
}

}  // namespace qgate::mock
