#include "engines/mempool_offload/pool_image.h"

#include <string>

#include "engines/mempool_offload/pool_heap.h"
#include "engines/mempool_offload/pool_mapping.h"
#include "transport/little_endian.h"

namespace rpbench::mempool {

namespace {
namespace le = transport::le;
constexpr size_t kImageBytes = 6 * 8;
}  // namespace

std::vector<uint8_t> encode_image(const PoolImage& im) {
  std::vector<uint8_t> b(kImageBytes);
  const uint64_t v[] = {im.pool_base, im.pool_bytes, im.control_checksum, im.live_bytes, im.keys, im.root_layout};
  for (size_t i = 0; i < 6; ++i) le::put64(b.data() + 8 * i, v[i]);
  return b;
}

StatusOr<PoolImage> decode_image(const std::vector<uint8_t>& extra) {
  if (extra.size() != kImageBytes)
    return Status::Corruption("its pool fields are " + std::to_string(extra.size()) + " bytes, not " +
                              std::to_string(kImageBytes));
  PoolImage im;
  const uint8_t* p = extra.data();
  im.pool_base = le::get64(p);
  im.pool_bytes = le::get64(p + 8);
  im.control_checksum = le::get64(p + 16);
  im.live_bytes = le::get64(p + 24);
  im.keys = le::get64(p + 32);
  im.root_layout = le::get64(p + 40);
  return im;
}

StatusOr<PoolImage> check_image_header(const remote::SlotHeader& h, uint64_t base, uint64_t pool_bytes,
                                       uint64_t region_bytes) {
  if (h.kind != remote::PayloadKind::kPoolExtent)
    return Status::FailedPrecondition("holds a " + std::string(remote::payload_kind_name(h.kind)) +
                                      " payload, not a memory pool (another engine wrote this region)");
  if (h.format_version != kPoolLayoutVersion)
    return Status::FailedPrecondition("holds a pool of layout version " + std::to_string(h.format_version) +
                                      " (this build's is " + std::to_string(kPoolLayoutVersion) + ")");
  StatusOr<PoolImage> im = decode_image(h.extra);
  if (!im.ok()) return im.status();
  if (im->pool_base != base)
    return Status::FailedPrecondition("holds a pool saved at base " + hex_address(im->pool_base) +
                                      ", not at the configured engine.pool_base " + hex_address(base) +
                                      " (a pool maps back only at its own address)");
  if (h.payload_bytes < kControlBytes)
    return Status::Corruption("holds an extent of " + std::to_string(h.payload_bytes) +
                              " bytes, less than a control block");
  if (h.payload_bytes > pool_bytes)
    return Status::FailedPrecondition("holds an extent of " + std::to_string(h.payload_bytes) +
                                      " bytes, more than engine.pool_bytes " + std::to_string(pool_bytes));
  if (h.payload_offset < remote::kHeadersBytes || h.payload_offset > region_bytes ||
      h.payload_bytes > region_bytes - h.payload_offset)
    return Status::Corruption("its extent [" + std::to_string(h.payload_offset) + ", +" +
                              std::to_string(h.payload_bytes) + ") lies outside the region of " +
                              std::to_string(region_bytes) + " bytes");
  return im;
}

}  // namespace rpbench::mempool
