// The malloc serving the process. An experiment may ask for glibc, jemalloc or tcmalloc (all
// Debian packages): rpbench re-executes itself with the allocator's library in LD_PRELOAD, so the
// whole process (the store included) uses it, as a Redis built with that allocator would. What
// actually serves malloc is then detected, never assumed.
#pragma once
#include <string>

namespace rpbench {

// "jemalloc", "tcmalloc" or "glibc", from the symbols the process resolves at run time
// (kvstore::allocator_name, which the store's memory figures use too).
std::string detect_allocator();

// The shared library to preload for `name`, or "" for glibc. Throws std::runtime_error naming the
// Debian package when it is not installed.
std::string allocator_library(const std::string& name);

// If `wanted` does not serve the process yet, re-executes /proc/self/exe with the same arguments
// and LD_PRELOAD set (only returns on failure, by throwing). Once re-executed, or for glibc, it
// checks that `wanted` is what serves malloc and throws if not. Refused in sanitizer builds,
// whose runtime must own malloc.
void ensure_allocator(const std::string& wanted, char** argv);

}  // namespace rpbench
