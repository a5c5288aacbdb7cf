// Running the experiment under a cgroup v2 memory.max (measure.memory_limit), as the
// remote-memory KV contest enforced its 8 GB: the process moves into a cgroup of its own whose
// memory.max is the limit, so every page it faults from then on (heap, cache, index, a fork's
// copies) counts against it and the kernel's OOM killer ends the run when it does not fit.
//
// The process joins after the engine opened: a memory node or redis-server the engine started
// stays outside (its memory is the remote side, not this process's), and so does anything the
// process faulted before (cgroup v2 does not move charges). A remote-memory engine allocates
// its cache lazily, so the cache counts; a verbs registration that pins pages at open does not.
//
// Where cgroup v2 has no memory controller (none mounted, the controller bound to a v1 hierarchy,
// no permission) the experiment runs without a limit and the result says why
// (context.memory_limit.applied false, with the reason).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status_or.h"

namespace rpbench {

// The cgroup v2 mount whose memory controller this process can use: its path. FailedPrecondition
// naming why not. `mountinfo` and `self_cgroup` are the files to read (tests give others).
StatusOr<std::string> find_cgroup2_memory_root(const std::string& mountinfo = "/proc/self/mountinfo",
                                               const std::string& self_cgroup = "/proc/self/cgroup");

class MemoryCgroup {
 public:
  // Creates <root>/rpbench-<pid>, enables the memory controller below root when it is not, sets
  // memory.max (and memory.swap.max 0 where swap accounting exists, so the limit cannot be met by
  // swapping), then moves this process in. The caller's cgroup is read from `self_cgroup`.
  static StatusOr<std::unique_ptr<MemoryCgroup>> enter(const std::string& root, uint64_t max_bytes,
                                                       const std::string& self_cgroup = "/proc/self/cgroup");
  // Moves the process back to the cgroup it came from and removes its own.
  ~MemoryCgroup();
  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;

  const std::string& path() const { return path_; }
  // memory.current, memory.peak (kernels >= 5.19; null before), and memory.events' max, oom and
  // oom_kill counts, read now.
  nlohmann::json figures() const;

 private:
  MemoryCgroup(std::string path, std::string home) : path_(std::move(path)), home_(std::move(home)) {}
  std::string path_;  // this process's cgroup directory
  std::string home_;  // the cgroup directory it came from
};

}  // namespace rpbench
