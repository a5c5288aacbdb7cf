// Key bytes from key ids. A key is 'k' followed by 11 characters of [A-Za-z0-9_-] encoding a
// 64-bit bijective mix of the id (so the bytes do not follow id order), then filler characters
// derived from the id up to key_size. Same id -> same bytes; injective in the id for
// key_size >= kMinKeySize (12) (shorter keys are truncated and may collide). Printable ASCII.
#pragma once
#include <cstdint>
#include <string>

#include "workloads/spec.h"

namespace rpbench::workloads {

// Writes exactly key_size bytes to out.
void make_key(uint64_t key_id, uint32_t key_size, char* out);
std::string make_key(uint64_t key_id, uint32_t key_size);

}  // namespace rpbench::workloads
