// Owning wrappers for the two libcurl handle kinds the driver uses: no naked cleanup calls. (Its
// header lists are nodes over strings it owns: transfer::header_list.)
#pragma once

#include <curl/curl.h>

#include <memory>

namespace qgate::upstream {

struct multi_deleter {
  void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};
struct easy_deleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};

using multi_ptr = std::unique_ptr<CURLM, multi_deleter>;
using easy_ptr = std::unique_ptr<CURL, easy_deleter>;

}  // namespace qgate::upstream
