// PrivateDir: a private directory per engine instance, <parent>/<prefix>-XXXXXX (mkdtemp; the
// parent is created if missing), removed with everything in it when the owner goes unless kept.
//
// A process killed with SIGKILL cannot remove its directory; so each one holds a file `.owner`
// naming its process (pid and the kernel's start time of that pid, which a reused pid does not
// share), and create() first removes the directories of the same prefix whose owner is dead
// (reported through removed_stale()). Directories without an owner file are never touched.
#pragma once
#include <string>
#include <vector>

#include "base/status_or.h"

namespace rpbench {

class PrivateDir {
 public:
  PrivateDir() = default;
  // kInvalidArgument naming `field` (e.g. "engine.dir") when the directory cannot be made.
  static StatusOr<PrivateDir> create(const std::string& parent, const std::string& prefix,
                                     const std::string& field = "engine.dir");
  ~PrivateDir();
  PrivateDir(PrivateDir&& o) noexcept;
  PrivateDir& operator=(PrivateDir&& o) noexcept;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;

  const std::string& path() const { return path_; }
  // Keep the directory and its files when this object goes.
  void keep(bool k = true) { keep_ = k; }
  // Stale directories of dead owners that create() removed.
  const std::vector<std::string>& removed_stale() const { return removed_stale_; }

 private:
  void remove();
  std::string path_;
  long owner_pid_ = -1;  // only the process that made the directory removes it
  bool keep_ = false;
  std::vector<std::string> removed_stale_;
};

// "<pid> <start time>" of this process, as PrivateDir writes it to `.owner`.
std::string owner_stamp();
// Whether the process an owner stamp names is still alive (same pid and start time).
bool owner_alive(const std::string& stamp);

}  // namespace rpbench
