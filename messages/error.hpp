// The one error vocabulary of qgate: every fallible edge returns `result<T>` carrying an `error`.
#pragma once

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>

#include <cstddef>
#include <iterator>
#include <string>
#include <utility>

namespace qgate {

// Each value maps to exactly one HTTP status, symbol and message in http/error_mapping.cpp.
enum class errc {
  invalid_model,
  invalid_messages,
  invalid_params,
  unauthorized,
  upstream_unauthorized,  // DashScope refused qgate's own key (or none is configured)
  forbidden,              // a valid key without the right: a tenant key on the admin API
  not_found,
  method_not_allowed,
  payload_too_large,
  headers_too_large,
  request_timeout,
  bad_request,
  conflict,  // the resource exists already: a tenant name taken
  rate_limited,
  upstream_error,
  timeout,
  unavailable,
  overloaded,
  internal_error,  // keep last: all_errcs is checked against it
};

// Every errc, for tests that walk the whole vocabulary through each mapping.
inline constexpr errc all_errcs[] = {
    errc::invalid_model,     errc::invalid_messages,      errc::invalid_params,
    errc::unauthorized,      errc::upstream_unauthorized, errc::forbidden,
    errc::not_found,         errc::method_not_allowed,    errc::payload_too_large,
    errc::headers_too_large, errc::request_timeout,       errc::bad_request,
    errc::conflict,          errc::rate_limited,          errc::upstream_error,
    errc::timeout,           errc::unavailable,           errc::overloaded,
    errc::internal_error};
static_assert(std::size(all_errcs) == static_cast<std::size_t>(errc::internal_error) + 1,
              "all_errcs must list every errc");

// `detail` names the offending field, or carries the upstream's own code and message.
struct error {
  error() = default;
  error(errc c, std::string text = {}, std::string field = {})
      : code(c), detail(std::move(text)), param(std::move(field)) {}

  errc code = errc::internal_error;
  std::string detail;
  std::string param;  // the request field at fault, when one is (OpenAI's `param`)
  // upstream_error: the status the upstream refused the call with (0: no answer, or a 2xx stream
  // that failed). The OpenAI door tells a refused request (400) from a failing upstream by it.
  long upstream_status = 0;
};

inline error make_error(errc code, std::string detail = {}, std::string param = {}) {
  return error{code, std::move(detail), std::move(param)};
}

template <class T>
using result = boost::outcome_v2::basic_result<T, error, boost::outcome_v2::policy::terminate>;

}  // namespace qgate
