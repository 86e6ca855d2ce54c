// The one mapping from qgate's error vocabulary to what a client sees: HTTP status (also the
// envelope's code), the `error` symbol and the message. http/ renders it; the ledger records it.
#pragma once

#include "messages/error.hpp"

#include <string>
#include <string_view>

namespace qgate {

struct error_reply {
  unsigned status;          // HTTP status, also the envelope's `code`
  std::string_view symbol;  // the envelope's `error`
  std::string message;      // the envelope's `message`
};

error_reply map_error(const error& err);

}  // namespace qgate
