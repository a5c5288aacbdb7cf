// The malloc serving the process. An experiment may ask for glibc, jemalloc or tcmalloc (all
// Debian packages): rpbench re-executes itself with the allocator's library in LD_PRELOAD, so the
// whole process (the store included) uses it, as a Redis built with that allocator would. What
// actually serves malloc is then detected, never assumed.
#pragma once
#include <string>

#include "base/field.h"
#include "base/status_or.h"

namespace rpbench {

enum class Allocator { kGlibc, kJemalloc, kTcmalloc };
inline constexpr config::NameTable<Allocator, 3> kAllocatorNames{
    {{Allocator::kGlibc, "glibc"}, {Allocator::kJemalloc, "jemalloc"}, {Allocator::kTcmalloc, "tcmalloc"}}};

// "jemalloc", "tcmalloc" or "glibc", from the symbols the process resolves at run time
// (kvstore::allocator_name, which the store's memory figures use too).
std::string detect_allocator();

// The shared library to preload, or "" for glibc; kNotFound naming the Debian package when it is
// not installed.
StatusOr<std::string> allocator_library(Allocator allocator);

// If `wanted` does not serve the process yet, re-executes /proc/self/exe with the same arguments
// and LD_PRELOAD set (only returns on failure). Once re-executed, or for glibc, it checks that
// `wanted` is what serves malloc, and fails if not. Refused in sanitizer builds, whose runtime
// must own malloc.
Status ensure_allocator(Allocator wanted, char** argv);

}  // namespace rpbench
