// A child process for integration tests: started with args and env, stdout captured.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace qgate::testing {

class child_process {
 public:
  // `env` is added to (and overrides) the test's own environment. stderr goes to stdout.
  child_process(const std::string& binary, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Waits for a `listening on <host>:<port>` line.
  std::optional<std::uint16_t> wait_for_port(std::chrono::milliseconds timeout);
  // Everything the child printed so far.
  std::string output() const;
  pid_t pid() const { return pid_; }
  // Waits for the child to exit by itself; its exit code, or -1 on timeout or signal.
  int wait(std::chrono::milliseconds timeout);
  // SIGTERM, then wait; SIGKILL if it does not exit in time. Exit code, or -1.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  void drain();
  int reap(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> exit_code_;
  mutable std::mutex mutex_;
  std::string output_;
  std::thread reader_;
};

}  // namespace qgate::testing
