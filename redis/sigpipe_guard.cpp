#include "redis/sigpipe_guard.hpp"

#include <pthread.h>

#include <ctime>

namespace qgate::redis {

sigpipe_guard::sigpipe_guard() noexcept {
  sigemptyset(&pipe_);
  sigaddset(&pipe_, SIGPIPE);
  blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
}

sigpipe_guard::~sigpipe_guard() {
  if (!blocked_) return;
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
    const timespec now{};
    while (sigtimedwait(&pipe_, nullptr, &now) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace qgate::redis
