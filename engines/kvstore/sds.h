// Sds: a length-prefixed byte string in its own allocation, shaped like Redis's sds: a small
// header (the length) followed by the bytes. Keys and values of the store are Sds, so the heap
// layout (and with it the copy-on-write cost of a fork) resembles Redis's. Allocated through the
// store's allocator (kvstore_alloc.h), which is given the size back when the string is freed.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rpbench::kvstore {

struct Sds {
  uint32_t len;  // followed by `len` bytes

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }
  size_t alloc_bytes() const { return sizeof(Sds) + len; }

  // Allocates a new Sds holding `s`; throws std::bad_alloc when the allocator has no room.
  template <class Alloc>
  static Sds* make(Alloc& a, std::string_view s) {
    Sds* p = static_cast<Sds*>(a.allocate(sizeof(Sds) + s.size()));
    p->len = static_cast<uint32_t>(s.size());
    if (!s.empty()) std::memcpy(p->data(), s.data(), s.size());
    return p;
  }
  template <class Alloc>
  static void destroy(Alloc& a, Sds* p) {
    if (p != nullptr) a.deallocate(p, p->alloc_bytes());
  }
};

}  // namespace rpbench::kvstore
