#include "harness/allocator.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "engines/kvstore/allocator_stats.h"
#include "base/errno_text.h"

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

std::string allocator_library(const std::string& name) {
  if (name == "glibc") return "";
  const char* file = nullptr;
  const char* package = nullptr;
  if (name == "jemalloc") {
    file = "libjemalloc.so.2";
    package = "libjemalloc2";
  } else if (name == "tcmalloc") {
    file = "libtcmalloc.so.4";
    package = "libgoogle-perftools4";
  } else {
    throw std::runtime_error("unknown allocator " + name + " (expected glibc, jemalloc or tcmalloc)");
  }
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"}) {
    const std::string path = std::string(dir) + "/" + file;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
  }
  throw std::runtime_error(std::string("allocator ") + name + ": " + file +
                           " not found: install the Debian package " + package + " (scripts/bootstrap.sh)");
}

void ensure_allocator(const std::string& wanted, char** argv) {
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
    return;
  }
  if (wanted != "glibc" && sanitizer_build())
    throw std::runtime_error("engine.allocator: " + wanted +
                             " cannot be used in a sanitizer build (ASan owns malloc); use a Release build");
  const char* marker = std::getenv(kReexecMarker);
  if (wanted == "glibc" || (marker && wanted == marker))
    throw std::runtime_error("engine.allocator: asked for " + wanted + " but " + serving +
                             " serves malloc in this process" +
                             (wanted == "glibc" ? " (unset LD_PRELOAD)" : " (LD_PRELOAD did not take effect)"));
  const std::string lib = allocator_library(wanted);
  std::string preload = lib;
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) {
    preload += std::string(":") + old;
    setenv(kOldPreload, old, 1);
  }
  setenv("LD_PRELOAD", preload.c_str(), 1);
  setenv(kReexecMarker, wanted.c_str(), 1);
  execv("/proc/self/exe", argv);
  throw std::runtime_error("cannot re-execute rpbench with " + lib + ": " + errno_text());
}

}  // namespace rpbench
