#include "engines/rdb/rdb_format.h"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace rpbench::rdb {

std::string rdb_type_name(uint8_t type) {
  switch (type) {
    case 0: return "string";
    case 1: return "list";
    case 2: return "set";
    case 3: return "zset";
    case 4: return "hash";
    case 5: return "zset (v2)";
    case 6: return "module (pre-GA)";
    case 7: return "module";
    case 9: return "hash (zipmap)";
    case 10: return "list (ziplist)";
    case 11: return "set (intset)";
    case 12: return "zset (ziplist)";
    case 13: return "hash (ziplist)";
    case 14: return "list (quicklist)";
    case 15: return "stream (listpacks)";
    case 16: return "hash (listpack)";
    case 17: return "zset (listpack)";
    case 18: return "list (quicklist v2)";
    case 19: return "stream (listpacks v2)";
    default: return "unknown";
  }
}

size_t encode_rdb_length(uint64_t len, unsigned char* buf) {
  if (len < (1u << 6)) {
    buf[0] = static_cast<unsigned char>(len);
    return 1;
  }
  if (len < (1u << 14)) {
    buf[0] = static_cast<unsigned char>((kLen14 << 6) | (len >> 8));
    buf[1] = static_cast<unsigned char>(len & 0xff);
    return 2;
  }
  if (len <= UINT32_MAX) {
    buf[0] = kLen32;
    for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (24 - 8 * i));
    return 5;
  }
  buf[0] = kLen64;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<unsigned char>(len >> (56 - 8 * i));
  return 9;
}

void append_rdb_length(std::string* out, uint64_t len) {
  unsigned char buf[9];
  const size_t n = encode_rdb_length(len, buf);
  out->append(reinterpret_cast<const char*>(buf), n);
}

size_t try_encode_rdb_int(std::string_view s, unsigned char* buf) {
  if (s.empty() || s.size() > 11) return 0;
  int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return 0;
  // Only the canonical form round-trips ("007", "+1", "-0" do not).
  char canon[24];
  const auto [end, ec2] = std::to_chars(canon, canon + sizeof canon, v);
  if (ec2 != std::errc() || static_cast<size_t>(end - canon) != s.size() ||
      std::memcmp(canon, s.data(), s.size()) != 0) {
    return 0;
  }
  if (v >= INT8_MIN && v <= INT8_MAX) {
    buf[0] = (kEncVal << 6) | kEncInt8;
    buf[1] = static_cast<unsigned char>(static_cast<int8_t>(v));
    return 2;
  }
  if (v >= INT16_MIN && v <= INT16_MAX) {
    const auto u = static_cast<uint16_t>(static_cast<int16_t>(v));
    buf[0] = (kEncVal << 6) | kEncInt16;
    buf[1] = static_cast<unsigned char>(u & 0xff);
    buf[2] = static_cast<unsigned char>(u >> 8);
    return 3;
  }
  if (v >= INT32_MIN && v <= INT32_MAX) {
    const auto u = static_cast<uint32_t>(static_cast<int32_t>(v));
    buf[0] = (kEncVal << 6) | kEncInt32;
    for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<unsigned char>(u >> (8 * i));
    return 5;
  }
  return 0;
}

std::string printable(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 64; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

}  // namespace rpbench::rdb
