#include "engines/content_digest.h"

#include <cinttypes>
#include <cstdio>

namespace rpbench {

std::string ContentDigest::hex() const {
  char buf[49];
  std::snprintf(buf, sizeof buf, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, sum, xr, count);
  return std::string(buf, 48);
}

bool ContentDigest::parse(std::string_view s, ContentDigest* out) {
  if (s.size() != 48) return false;
  uint64_t v[3] = {0, 0, 0};
  for (size_t i = 0; i < 48; ++i) {
    const char c = s[i];
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else
      return false;
    v[i / 16] = (v[i / 16] << 4) | static_cast<uint64_t>(d);
  }
  out->sum = v[0];
  out->xr = v[1];
  out->count = v[2];
  return true;
}

}  // namespace rpbench
