#include "tests/integration/process_probe.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace qgate::testing {
namespace {

std::filesystem::path fd_directory(pid_t pid) {
  return std::filesystem::path("/proc") / std::to_string(pid) / "fd";
}

}  // namespace

double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces; the fields after it are space-separated, state first.
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos) return -1;
  std::istringstream fields(text.substr(name_end + 2));
  std::string field;
  double ticks = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14 || index == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int open_descriptors(pid_t pid) {
  std::error_code ec;
  int count = 0;
  for (std::filesystem::directory_iterator it(fd_directory(pid), ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count;
}

int highest_descriptor(pid_t pid) {
  std::error_code ec;
  int highest = -1;
  for (std::filesystem::directory_iterator it(fd_directory(pid), ec), end; !ec && it != end;
       it.increment(ec)) {
    highest = std::max(highest, std::stoi(it->path().filename().string()));
  }
  return highest;
}

bool limit_descriptors(pid_t pid, int limit) {
  rlimit current{};
  if (::prlimit(pid, RLIMIT_NOFILE, nullptr, &current) != 0) return false;
  const rlimit value{static_cast<rlim_t>(limit), current.rlim_max};
  return ::prlimit(pid, RLIMIT_NOFILE, &value, nullptr) == 0;
}

}  // namespace qgate::testing
