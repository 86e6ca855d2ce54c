// What a test can see of a child process from outside: its CPU time and descriptors (Linux /proc).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace qgate::testing {

// User + system CPU time the process has used so far, in seconds.
double cpu_seconds(pid_t pid);
// How many descriptors the process holds, and the highest one (-1 if none or unreadable).
int open_descriptors(pid_t pid);
int highest_descriptor(pid_t pid);
// Sets the soft RLIMIT_NOFILE of a running process (the hard limit stays); true on success.
bool limit_descriptors(pid_t pid, int limit);

}  // namespace qgate::testing
