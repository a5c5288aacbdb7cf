// CRC-32 (IEEE 802.3 / zlib polynomial, reflected), for trace checksums; the same value as
// Python's zlib.crc32, so a trace can be checked with standard tools.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rpbench::workloads {

// Continues a CRC: crc32(crc32(0, a), b) == crc32 of a followed by b.
uint32_t crc32(uint32_t crc, const void* data, size_t len);

}  // namespace rpbench::workloads
