#include "engines/kvstore/allocator_stats.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace rpbench::kvstore {

namespace {

using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);
using TcPropertyFn = int (*)(const char*, size_t*);

MallctlFn find_mallctl() { return reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl")); }
TcPropertyFn find_tc_property() {
  return reinterpret_cast<TcPropertyFn>(dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"));
}

}  // namespace

std::string allocator_name() {
  if (find_mallctl() != nullptr) return "jemalloc";
  if (find_tc_property() != nullptr || dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) return "tcmalloc";
  return "glibc";
}

int64_t allocated_bytes() {
  if (MallctlFn mallctl = find_mallctl()) {
    uint64_t epoch = 1;
    size_t esz = sizeof(epoch);
    mallctl("epoch", &epoch, &esz, &epoch, esz);  // refreshes the cached statistics
    size_t allocated = 0;
    size_t sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) return static_cast<int64_t>(allocated);
    return -1;
  }
  if (TcPropertyFn prop = find_tc_property()) {
    size_t v = 0;
    if (prop("generic.current_allocated_bytes", &v) != 0) return static_cast<int64_t>(v);
    return -1;
  }
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) return -1;  // tcmalloc without the C extension API
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

}  // namespace rpbench::kvstore
