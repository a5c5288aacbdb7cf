// CRC-64 as Redis computes the RDB checksum (crc64.c, "crc-64-jones"): polynomial
// 0xad93d23594c935a9, reflected input and output, initial value 0, no final xor;
// crc64(0, "123456789") == 0xe9c6d914c4b8d9ca. Slice-by-8 table implementation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rpbench::rdb {

// Continues a CRC over `len` more bytes (start with crc = 0).
uint64_t crc64(uint64_t crc, const void* data, size_t len);

}  // namespace rpbench::rdb
