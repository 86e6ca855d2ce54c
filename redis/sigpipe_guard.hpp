// hiredis 0.14 writes with write(2), which raises SIGPIPE on a connection the server reset, and
// SIGPIPE ends the process unless it is ignored. While a guard lives, SIGPIPE is blocked on this
// thread; one the guarded code raised is taken off the thread's pending set before it is
// unblocked. Nothing process-wide changes.
#pragma once

#include <signal.h>

namespace qgate::redis {

class sigpipe_guard {
 public:
  sigpipe_guard() noexcept;
  ~sigpipe_guard();
  sigpipe_guard(const sigpipe_guard&) = delete;
  sigpipe_guard& operator=(const sigpipe_guard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool blocked_ = false;
};

}  // namespace qgate::redis
