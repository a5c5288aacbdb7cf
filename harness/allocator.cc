#include "harness/allocator.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "base/errno_text.h"
#include "engines/kvstore/allocator_stats.h"

namespace rpbench {
namespace {

constexpr const char* kReexecMarker = "RPBENCH_ALLOCATOR_REEXEC";
constexpr const char* kOldPreload = "RPBENCH_ALLOCATOR_OLD_PRELOAD";

bool sanitizer_build() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#else
  return false;
#endif
}

}  // namespace

std::string detect_allocator() { return kvstore::allocator_name(); }

StatusOr<std::string> allocator_library(Allocator allocator) {
  const char* file = nullptr;
  const char* package = nullptr;
  switch (allocator) {
    case Allocator::kGlibc: return std::string();
    case Allocator::kJemalloc:
      file = "libjemalloc.so.2";
      package = "libjemalloc2";
      break;
    case Allocator::kTcmalloc:
      file = "libtcmalloc.so.4";
      package = "libgoogle-perftools4";
      break;
  }
  const std::string name(config::name_of(kAllocatorNames, allocator));
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
    const std::string path = std::string(dir) + "/" + file;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
  }
  return Status::NotFound("allocator " + name + ": " + file + " not found: install the Debian package " + package +
                          " (scripts/bootstrap.sh)");
}

Status ensure_allocator(Allocator allocator, char** argv) {
  const std::string wanted(config::name_of(kAllocatorNames, allocator));
  const std::string serving = detect_allocator();
  if (serving == wanted) {
    // Children (e.g. a redis-server an engine starts) must not inherit our preload.
    if (std::getenv(kReexecMarker)) {
      const char* old = std::getenv(kOldPreload);
      if (old && *old) {
        setenv("LD_PRELOAD", old, 1);
      } else {
        unsetenv("LD_PRELOAD");
      }
      unsetenv(kReexecMarker);
      unsetenv(kOldPreload);
    }
    return Status::Ok();
  }
  if (wanted != "glibc" && sanitizer_build())
    return Status::FailedPrecondition("engine.allocator: " + wanted +
                                      " cannot be used in a sanitizer build (ASan owns malloc); use a Release build");
  const char* marker = std::getenv(kReexecMarker);
  if (wanted == "glibc" || (marker && wanted == marker))
    return Status::FailedPrecondition(
        "engine.allocator: asked for " + wanted + " but " + serving + " serves malloc in this process" +
        (wanted == "glibc" ? " (unset LD_PRELOAD)" : " (LD_PRELOAD did not take effect)"));
  const StatusOr<std::string> lib = allocator_library(allocator);
  if (!lib.ok()) return lib.status();
  std::string preload = *lib;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) {
    preload += std::string(":") + old;
    setenv(kOldPreload, old, 1);
  }
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv(kReexecMarker, wanted.c_str(), 1);
  execv("/proc/self/exe", argv);
  return errno_status("cannot re-execute rpbench with " + *lib);
}

}  // namespace rpbench
