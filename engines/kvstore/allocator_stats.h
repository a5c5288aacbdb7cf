// Which allocator serves malloc in this process, and how many bytes it has handed out.
//
// The harness makes the chosen allocator serve the process (LD_PRELOAD) and records which one
// does; these functions detect it at run time with dlsym(RTLD_DEFAULT, ...): "jemalloc" when
// mallctl resolves, "tcmalloc" when MallocExtension_GetNumericProperty or tc_malloc resolves,
// else "glibc".
#pragma once
#include <cstdint>
#include <string>

namespace rpbench::kvstore {

std::string allocator_name();

// Bytes currently allocated by the application through malloc, as the allocator counts them
// (jemalloc "stats.allocated" after an epoch refresh; tcmalloc
// "generic.current_allocated_bytes"; glibc mallinfo2().uordblks + hblkhd, i.e. in-use chunks of
// the arenas plus mmapped chunks). Process-wide, so it includes the harness's own allocations.
// -1 when the allocator cannot tell.
int64_t allocated_bytes();

}  // namespace rpbench::kvstore
