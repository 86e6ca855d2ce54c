#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstring>
#include <regex>

extern char** environ;

namespace qgate::testing {

child_process::child_process(const std::string& binary, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string::npos) merged[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [key, value] : env) merged[key] = value;
  std::vector<std::string> env_text;
  for (const auto& [key, value] : merged) env_text.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& text : env_text) envp.push_back(text.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_text = {binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& text : argv_text) argv.push_back(text.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  if (::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data()) != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  reader_ = std::thread([this] { drain(); });
}

child_process::~child_process() {
  if (pid_ > 0 && !exit_code_) terminate(std::chrono::seconds(5));
  if (reader_.joinable()) reader_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

// Keeps the pipe empty so the child never blocks on a full pipe.
void child_process::drain() {
  char chunk[4096];
  for (;;) {
    const auto n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) return;
    std::lock_guard lock(mutex_);
    output_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::uint16_t> child_process::wait_for_port(std::chrono::milliseconds timeout) {
  static const std::regex listening("listening on [^ ]+:([0-9]+)");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = output();
    if (std::regex_search(text, match, listening))
      return static_cast<std::uint16_t>(std::stoi(match[1]));
    siginfo_t info{};
    // WNOWAIT: only look; reap() collects the exit code later.
    if (pid_ <= 0 ||
        (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid_)) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

std::string child_process::output() const {
  std::lock_guard lock(mutex_);
  return output_;
}

int child_process::reap(std::chrono::milliseconds timeout) {
  if (exit_code_) return *exit_code_;
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      if (reader_.joinable()) reader_.join();
      return *exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

int child_process::wait(std::chrono::milliseconds timeout) { return reap(timeout); }

int child_process::terminate(std::chrono::milliseconds timeout) {
  if (exit_code_) return *exit_code_;
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = reap(timeout);
  if (exit_code_) return code;
  ::kill(pid_, SIGKILL);
  reap(std::chrono::seconds(5));
  return -1;
}

}  // namespace qgate::testing
