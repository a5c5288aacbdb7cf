// The layout of one paged-kv page (engine.page_bytes, 4 KiB to 1 MiB), in the local cache and in
// remote memory alike (little-endian):
//
//   [0, 32)            header: magic "PKVP", record count, data start (the lowest record's
//                      offset), page bytes, the page's id
//   [32, 32 + 4*n)     the slot directory: record i's offset
//   ...                free space
//   [data start, end)  the records, appended downward from the page's end: record i spans
//                      [dir[i], i == 0 ? page end : dir[i-1])
//
// A record is [value length u32][value capacity u32][key length u16][key][value capacity bytes]:
// an update whose value fits the capacity is written in place. Since every record's extent follows
// from the directory alone, one record (or every live one, for a rebuild of a remote page) can be
// read without reading the whole page. Which records are dead is kept beside the page, in the
// engine's local page table (page_table.h), not in the page.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace rpbench::paged {

inline constexpr uint32_t kPageMagic = 0x50564b50;  // "PKVP"
inline constexpr uint32_t kPageHeaderBytes = 32;
inline constexpr uint32_t kRecordHeaderBytes = 10;
inline constexpr uint32_t kMinPageBytes = 4096;
inline constexpr uint32_t kMaxPageBytes = 1u << 20;
inline constexpr uint32_t kMaxKeyBytes = 1024;

// The bytes a record with these lengths takes in a page, its directory entry included.
inline uint32_t record_footprint(size_t key_len, size_t value_cap) {
  return static_cast<uint32_t>(kRecordHeaderBytes + key_len + value_cap + 4);
}
// The largest footprint an empty page takes.
inline uint32_t page_capacity(uint32_t page_bytes) { return page_bytes - kPageHeaderBytes; }

struct RecordView {
  std::string_view key;
  std::string_view value;
  uint32_t value_cap = 0;
};

// A page in memory (not owning): the cache's frame or a scratch buffer.
class PageRef {
 public:
  PageRef(uint8_t* data, uint32_t page_bytes) : p_(data), bytes_(page_bytes) {}

  void init(uint64_t page_id);
  // Checks a page read back (kCorruption naming what is wrong): the whole page; only its header
  // and directory (with the record count the page table expects); one record.
  Status check(uint64_t page_id) const;
  Status check_directory(uint64_t page_id, std::optional<uint32_t> expected_count) const;
  Status check_record(uint32_t slot) const;

  uint32_t count() const;
  uint32_t data_start() const;
  uint32_t free_bytes() const { return data_start() - kPageHeaderBytes - 4 * count(); }
  uint32_t used_bytes() const { return bytes_ - free_bytes() - kPageHeaderBytes; }
  // The bytes of the header and directory: what a rebuild of a remote page reads first.
  uint32_t directory_end() const { return kPageHeaderBytes + 4 * count(); }

  // Appends a record; its slot, or nullopt when it does not fit.
  std::optional<uint32_t> append(std::string_view key, std::string_view value);
  // [begin, end) of record `slot` (slot < count()).
  uint32_t record_begin(uint32_t slot) const;
  uint32_t record_end(uint32_t slot) const;
  RecordView record(uint32_t slot) const;
  // Overwrites record `slot`'s value in place; false when `value` exceeds its capacity.
  bool update(uint32_t slot, std::string_view value);

 private:
  uint8_t* p_;
  uint32_t bytes_;
};

}  // namespace rpbench::paged
