// Owning wrappers for the three libcurl handle kinds the driver uses: no naked cleanup calls.
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
struct slist_deleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

using multi_ptr = std::unique_ptr<CURLM, multi_deleter>;
using easy_ptr = std::unique_ptr<CURL, easy_deleter>;
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// Appends one line; false (and `list` unchanged) when curl cannot allocate.
[[nodiscard]] inline bool append(slist_ptr& list, const char* line) {
  curl_slist* head = curl_slist_append(list.get(), line);
  if (head == nullptr) return false;
  (void)list.release();  // curl returns the same head, or a new one for an empty list
  list.reset(head);
  return true;
}

}  // namespace qgate::upstream
