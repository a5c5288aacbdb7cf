#include "engines/remote/slot_header.h"

#include <cstring>

#include "engines/remote/checksum.h"
#include "transport/little_endian.h"

namespace rpbench::remote {

namespace le = transport::le;

namespace {

constexpr uint64_t kMagic = 0x31504e5353425052ull;       // "RPBSNAP1" little-endian
constexpr uint64_t kCommitSalt = 0x54494d4d4f435052ull;  // "RPCOMMIT"
// Field offsets in the header page.
constexpr size_t kOffMagic = 0, kOffLayout = 8, kOffKind = 12, kOffFormat = 16, kOffSequence = 24,
                 kOffPayloadOffset = 32, kOffPayloadBytes = 40, kOffPayloadChecksum = 48, kOffDigest = 56,
                 kOffCreated = 80, kOffExtraBytes = 88, kOffExtra = 96;
constexpr size_t kOffHeaderChecksum = kOffExtra + kMaxExtraBytes;
constexpr size_t kCheckedBytes = kOffHeaderChecksum;  // the header checksum covers [0, here)
static_assert(kOffHeaderChecksum + 8 <= kCommitWordOffset);

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

std::string_view payload_kind_name(PayloadKind kind) {
  switch (kind) {
    case PayloadKind::kRdbStream: return "RDB stream (rdma-pingpong)";
    case PayloadKind::kPoolExtent: return "memory pool extent (mempool-offload)";
    case PayloadKind::kPagedKv: return "page index (paged-kv)";
  }
  return "unknown";
}

void encode_header(const SlotHeader& h, uint8_t* page) {
  std::memset(page, 0, kHeaderPageBytes);
  le::put64(page + kOffMagic, kMagic);
  le::put32(page + kOffLayout, kLayoutVersion);
  le::put32(page + kOffKind, static_cast<uint32_t>(h.kind));
  le::put32(page + kOffFormat, h.format_version);
  le::put64(page + kOffSequence, h.sequence);
  le::put64(page + kOffPayloadOffset, h.payload_offset);
  le::put64(page + kOffPayloadBytes, h.payload_bytes);
  le::put64(page + kOffPayloadChecksum, h.payload_checksum);
  le::put64(page + kOffDigest, h.digest.sum);
  le::put64(page + kOffDigest + 8, h.digest.xr);
  le::put64(page + kOffDigest + 16, h.digest.count);
  le::put64(page + kOffCreated, h.created_unix_ns);
  const size_t extra = std::min(h.extra.size(), kMaxExtraBytes);
  le::put32(page + kOffExtraBytes, static_cast<uint32_t>(extra));
  if (extra > 0) std::memcpy(page + kOffExtra, h.extra.data(), extra);
  le::put64(page + kOffHeaderChecksum, checksum64(page, kCheckedBytes));
}

StatusOr<SlotHeader> decode_header(const uint8_t* page) {
  if (all_zero(page, kHeaderPageBytes)) return Status::NotFound("empty: no snapshot was ever written there");
  if (le::get64(page + kOffMagic) != kMagic) return Status::Corruption("not a snapshot header (bad magic)");
  const uint32_t layout = le::get32(page + kOffLayout);
  if (layout != kLayoutVersion)
    return Status::Corruption("slot layout version " + std::to_string(layout) + ", this build reads version " +
                              std::to_string(kLayoutVersion));
  if (le::get64(page + kOffHeaderChecksum) != checksum64(page, kCheckedBytes))
    return Status::Corruption("the header's checksum does not hold (a damaged or half-written header)");
  SlotHeader h;
  h.kind = static_cast<PayloadKind>(le::get32(page + kOffKind));
  h.format_version = le::get32(page + kOffFormat);
  h.sequence = le::get64(page + kOffSequence);
  h.payload_offset = le::get64(page + kOffPayloadOffset);
  h.payload_bytes = le::get64(page + kOffPayloadBytes);
  h.payload_checksum = le::get64(page + kOffPayloadChecksum);
  h.digest.sum = le::get64(page + kOffDigest);
  h.digest.xr = le::get64(page + kOffDigest + 8);
  h.digest.count = le::get64(page + kOffDigest + 16);
  h.created_unix_ns = le::get64(page + kOffCreated);
  const uint32_t extra = le::get32(page + kOffExtraBytes);
  if (extra > kMaxExtraBytes) return Status::Corruption("extra fields of " + std::to_string(extra) + " bytes");
  h.extra.assign(page + kOffExtra, page + kOffExtra + extra);
  if (h.payload_offset < kHeadersBytes || h.payload_offset + h.payload_bytes < h.payload_offset)
    return Status::Corruption("payload at offset " + std::to_string(h.payload_offset) + " of " +
                              std::to_string(h.payload_bytes) + " bytes overlaps the header pages or overflows");
  return h;
}

uint64_t expected_commit_word(const uint8_t* page) {
  const uint64_t w = checksum64(page, kOffHeaderChecksum + 8) ^ kCommitSalt;
  return w == 0 ? 1 : w;  // zero means "not committed"
}

uint64_t stored_commit_word(const uint8_t* page) { return le::get64(page + kCommitWordOffset); }

namespace {
constexpr uint64_t kLateDigestMagic = 0x315453474442'5052ull;  // "RPBDGST1" little-endian
}  // namespace

void encode_late_digest(uint64_t sequence, const ContentDigest& d, uint8_t* out) {
  le::put64(out, kLateDigestMagic);
  le::put64(out + 8, sequence);
  le::put64(out + 16, d.sum);
  le::put64(out + 24, d.xr);
  le::put64(out + 32, d.count);
  le::put64(out + 40, checksum64(out, 40));
}

std::optional<ContentDigest> decode_late_digest(const uint8_t* page, uint64_t sequence) {
  const uint8_t* p = page + kLateDigestOffset;
  if (le::get64(p) != kLateDigestMagic || le::get64(p + 8) != sequence || le::get64(p + 40) != checksum64(p, 40))
    return std::nullopt;
  return ContentDigest{le::get64(p + 16), le::get64(p + 24), le::get64(p + 32)};
}

}  // namespace rpbench::remote
