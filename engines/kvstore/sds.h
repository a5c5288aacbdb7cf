// Sds: a length-prefixed byte string in its own heap allocation (malloc), shaped like Redis's
// sds: a small header (the length) followed by the bytes. Keys and values of the store are Sds,
// so the heap layout (and with it the copy-on-write cost of a fork) resembles Redis's.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace rpbench::kvstore {

struct Sds {
  uint32_t len;  // followed by `len` bytes

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view view() const { return {data(), len}; }

  // Allocates a new Sds holding `s`; throws std::bad_alloc when malloc fails.
  static Sds* make(std::string_view s) {
    void* mem = std::malloc(sizeof(Sds) + s.size());
    if (mem == nullptr) throw std::bad_alloc();
    Sds* p = static_cast<Sds*>(mem);
    p->len = static_cast<uint32_t>(s.size());
    if (!s.empty()) std::memcpy(p->data(), s.data(), s.size());
    return p;
  }
  static void destroy(Sds* p) { std::free(p); }
};

}  // namespace rpbench::kvstore
