// The layout every remote snapshot shares in the memory node's region (the remote-memory engine issues
// of the project): two slots used in turn, so that a snapshot that fails half-way never destroys the
// last complete one.
//
//   [0, 4096)        slot 0's header page      the header at offset 0, the commit word at 4088
//   [4096, 8192)     slot 1's header page
//   [8192, ...)      the slots' payload areas (where, the header says), then whatever else the
//                    engine keeps in the region (paged-kv's data pages)
//
// A header (little-endian, field by field) holds: magic "RPBSNAP1", the layout version, the
// payload's kind and the engine's format version, the snapshot's sequence number, the payload's
// offset and length (64-bit), the payload's checksum (XXH3-64), the content digest at snapshot
// time (engines/content_digest.h), the creation time, up to kMaxExtraBytes of engine-specific
// fields (the pool's base address, ...), and its own checksum. The commit word is written only
// after every data write of the snapshot and the header have completed (writes over several
// channels are not ordered with each other); its value depends on the header, so a commit word
// left from an older snapshot in the same slot never validates a new header.
//
// At kLateDigestOffset of a header page an engine may write, after the commit, the snapshot's
// content digest when it computes that only once its data are safe (mempool-offload's child
// does, off the measured path): magic "RPBDGST1", the snapshot's sequence, the digest, and a
// checksum. Neither the header's checksum nor the commit word covers it: a snapshot whose late
// digest never arrived is still committed, only without a digest to verify against.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status_or.h"
#include "engines/content_digest.h"

namespace rpbench::remote {

inline constexpr uint64_t kHeaderPageBytes = 4096;
inline constexpr uint64_t kSlotCount = 2;
inline constexpr uint64_t kHeadersBytes = kSlotCount * kHeaderPageBytes;  // the slots' header pages
inline constexpr uint64_t kCommitWordOffset = kHeaderPageBytes - 8;       // within a header page
inline constexpr uint32_t kLayoutVersion = 1;
inline constexpr size_t kMaxExtraBytes = 1024;
inline constexpr uint64_t kLateDigestOffset = 3072;  // within a header page, after the header's bytes
inline constexpr uint64_t kLateDigestBytes = 48;

// What a slot's payload is (and which engine wrote it).
enum class PayloadKind : uint32_t {
  kRdbStream = 1,   // rdma-pingpong: an RDB v10 stream
  kPoolExtent = 2,  // mempool-offload: the used extent of the memory pool, raw
  kPagedKv = 3,     // paged-kv: the index and the page table
};
std::string_view payload_kind_name(PayloadKind kind);

struct SlotHeader {
  PayloadKind kind = PayloadKind::kRdbStream;
  uint32_t format_version = 1;  // of the engine's payload
  uint64_t sequence = 0;        // 1 for a region's first snapshot, then increasing across both slots
  uint64_t payload_offset = 0;  // in the region
  uint64_t payload_bytes = 0;
  uint64_t payload_checksum = 0;  // Checksum64 of the payload bytes
  ContentDigest digest;           // of the content at snapshot time
  uint64_t created_unix_ns = 0;
  std::vector<uint8_t> extra;  // engine-specific, at most kMaxExtraBytes
};

// The region offset of slot `slot`'s header page.
inline uint64_t header_offset(int slot) { return static_cast<uint64_t>(slot) * kHeaderPageBytes; }

// Writes the header into a kHeaderPageBytes page (zero elsewhere, the commit word included).
void encode_header(const SlotHeader& h, uint8_t* page);
// Reads a header page: kCorruption naming what is wrong (not a snapshot header at all, a layout
// version of another build, a header checksum that does not hold, impossible lengths);
// kNotFound for an all-zero page (nothing was ever written there).
StatusOr<SlotHeader> decode_header(const uint8_t* page);
// The commit word that validates the header encoded in `page`, and the one stored in it.
uint64_t expected_commit_word(const uint8_t* page);
uint64_t stored_commit_word(const uint8_t* page);

// The late digest record of snapshot `sequence` (kLateDigestBytes at `out`), and reading one back
// from a header page: the digest when a valid record of that sequence is there.
void encode_late_digest(uint64_t sequence, const ContentDigest& d, uint8_t* out);
std::optional<ContentDigest> decode_late_digest(const uint8_t* page, uint64_t sequence);

}  // namespace rpbench::remote
