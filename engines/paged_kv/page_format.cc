#include "engines/paged_kv/page_format.h"

#include <cstring>
#include <string>

#include "transport/little_endian.h"

namespace rpbench::paged {

using transport::le::get16;
using transport::le::get32;
using transport::le::get64;
using transport::le::put16;
using transport::le::put32;
using transport::le::put64;

void PageRef::init(uint64_t page_id) {
  std::memset(p_, 0, kPageHeaderBytes);
  put32(p_, kPageMagic);
  put32(p_ + 4, 0);
  put32(p_ + 8, bytes_);
  put32(p_ + 12, bytes_);
  put64(p_ + 16, page_id);
}

Status PageRef::check(uint64_t page_id) const {
  if (Status s = check_directory(page_id, std::nullopt); !s.ok()) return s;
  for (uint32_t i = 0; i < count(); ++i)
    if (Status s = check_record(i); !s.ok()) return s.with_context("page " + std::to_string(page_id) + ": ");
  return Status::Ok();
}

Status PageRef::check_directory(uint64_t page_id, std::optional<uint32_t> expected_count) const {
  const std::string where = "page " + std::to_string(page_id) + ": ";
  if (get32(p_) != kPageMagic) return Status::Corruption(where + "no page header (bad magic)");
  if (get32(p_ + 12) != bytes_)
    return Status::Corruption(where + "written with pages of " + std::to_string(get32(p_ + 12)) + " bytes, not " +
                              std::to_string(bytes_));
  if (get64(p_ + 16) != page_id) return Status::Corruption(where + "holds page " + std::to_string(get64(p_ + 16)));
  const uint64_t n = count();
  if (expected_count && n != *expected_count)
    return Status::Corruption(where + "holds " + std::to_string(n) + " records, the page table says " +
                              std::to_string(*expected_count));
  const uint64_t start = data_start();
  if (start > bytes_ || kPageHeaderBytes + 4 * n > start)
    return Status::Corruption(where + "directory of " + std::to_string(n) + " records overlaps its data");
  uint32_t prev = bytes_;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t off = get32(p_ + kPageHeaderBytes + 4 * i);
    if (off >= prev || prev - off < kRecordHeaderBytes || off < start)
      return Status::Corruption(where + "record " + std::to_string(i) + " lies outside the page's data");
    prev = off;
  }
  return Status::Ok();
}

Status PageRef::check_record(uint32_t slot) const {
  const uint32_t off = record_begin(slot);
  const uint32_t cap = get32(p_ + off + 4);
  const uint32_t klen = get16(p_ + off + 8);
  if (uint64_t{kRecordHeaderBytes} + klen + cap != record_end(slot) - off || get32(p_ + off) > cap)
    return Status::Corruption("record " + std::to_string(slot) + " has lengths that do not add up");
  return Status::Ok();
}

uint32_t PageRef::count() const { return get32(p_ + 4); }
uint32_t PageRef::data_start() const { return get32(p_ + 8); }

std::optional<uint32_t> PageRef::append(std::string_view key, std::string_view value) {
  const uint32_t need = record_footprint(key.size(), value.size());
  if (need > free_bytes()) return std::nullopt;
  const uint32_t slot = count();
  const uint32_t off = data_start() - (need - 4);
  put32(p_ + off, static_cast<uint32_t>(value.size()));
  put32(p_ + off + 4, static_cast<uint32_t>(value.size()));
  put16(p_ + off + 8, static_cast<uint16_t>(key.size()));
  std::memcpy(p_ + off + kRecordHeaderBytes, key.data(), key.size());
  if (!value.empty()) std::memcpy(p_ + off + kRecordHeaderBytes + key.size(), value.data(), value.size());
  put32(p_ + kPageHeaderBytes + 4 * slot, off);
  put32(p_ + 4, slot + 1);
  put32(p_ + 8, off);
  return slot;
}

uint32_t PageRef::record_begin(uint32_t slot) const { return get32(p_ + kPageHeaderBytes + 4 * slot); }
uint32_t PageRef::record_end(uint32_t slot) const { return slot == 0 ? bytes_ : record_begin(slot - 1); }

RecordView PageRef::record(uint32_t slot) const {
  const uint8_t* r = p_ + record_begin(slot);
  RecordView v;
  const uint32_t len = get32(r);
  v.value_cap = get32(r + 4);
  const uint16_t klen = get16(r + 8);
  v.key = std::string_view(reinterpret_cast<const char*>(r + kRecordHeaderBytes), klen);
  v.value = std::string_view(reinterpret_cast<const char*>(r + kRecordHeaderBytes + klen), len);
  return v;
}

bool PageRef::update(uint32_t slot, std::string_view value) {
  uint8_t* r = p_ + record_begin(slot);
  if (value.size() > get32(r + 4)) return false;
  put32(r, static_cast<uint32_t>(value.size()));
  if (!value.empty()) std::memcpy(r + kRecordHeaderBytes + get16(r + 8), value.data(), value.size());
  return true;
}

}  // namespace rpbench::paged
