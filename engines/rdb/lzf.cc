#include "engines/rdb/lzf.h"

#include <cstring>

namespace rpbench::rdb {

bool lzf_decompress(const void* in, size_t in_len, void* out, size_t out_len) {
  const auto* ip = static_cast<const unsigned char*>(in);
  const unsigned char* const in_end = ip + in_len;
  auto* op = static_cast<unsigned char*>(out);
  unsigned char* const out_start = op;
  unsigned char* const out_end = op + out_len;
  while (ip < in_end) {
    size_t ctrl = *ip++;
    if (ctrl < (1u << 5)) {  // literal run of ctrl+1 bytes
      ++ctrl;
      if (static_cast<size_t>(out_end - op) < ctrl || static_cast<size_t>(in_end - ip) < ctrl) return false;
      std::memcpy(op, ip, ctrl);
      op += ctrl;
      ip += ctrl;
    } else {  // back reference
      size_t len = ctrl >> 5;
      if (len == 7) {
        if (ip >= in_end) return false;
        len += *ip++;
      }
      if (ip >= in_end) return false;
      const size_t dist = ((ctrl & 0x1f) << 8) + *ip++ + 1;
      len += 2;
      if (static_cast<size_t>(op - out_start) < dist) return false;
      if (static_cast<size_t>(out_end - op) < len) return false;
      const unsigned char* ref = op - dist;
      for (size_t i = 0; i < len; ++i) op[i] = ref[i];  // may overlap: byte by byte
      op += len;
    }
  }
  return op == out_end;
}

}  // namespace rpbench::rdb
