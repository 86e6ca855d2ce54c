// Request ids: the client's X-Request-Id when it is sane, a random one otherwise.
#pragma once

#include <string>
#include <string_view>

namespace qgate::http {

std::string pick_request_id(std::string_view given);

}  // namespace qgate::http
