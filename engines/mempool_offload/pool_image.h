// What a slot holding a saved pool says about it (kind kPoolExtent, format kPoolLayoutVersion):
// the header's engine-specific fields, and the checks a recovery makes before it reads anything.
#pragma once
#include <cstdint>
#include <vector>

#include "base/status_or.h"
#include "engines/remote/slot_header.h"

namespace rpbench::mempool {

struct PoolImage {
  uint64_t pool_base = 0;         // where the pool was (and must be again)
  uint64_t pool_bytes = 0;        // its reserved size then
  uint64_t control_checksum = 0;  // of the control block as saved
  uint64_t live_bytes = 0;
  uint64_t keys = 0;
  uint64_t root_layout = 0;  // store_layout_signature() of the build that saved it
};

std::vector<uint8_t> encode_image(const PoolImage& im);
StatusOr<PoolImage> decode_image(const std::vector<uint8_t>& extra);

// Why the header cannot be recovered into a pool at `base` of `pool_bytes` from a region of
// `region_bytes` (another engine's payload, another layout version, another base address, an
// extent larger than the pool, a payload outside the region); ok with the image when it can.
StatusOr<PoolImage> check_image_header(const remote::SlotHeader& h, uint64_t base, uint64_t pool_bytes,
                                       uint64_t region_bytes);

}  // namespace rpbench::mempool
