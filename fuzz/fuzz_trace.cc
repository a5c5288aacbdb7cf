// fuzz_trace: the trace reader (workloads/trace.h) on arbitrary bytes. The first input byte is a
// flag: bit 0 set seals the rest first (the header's and the records' CRC-32 recomputed where the
// header places them, as workloads/TRACE_FORMAT.md lays them out), so that mutated records get
// past the checksums to the record decoder; clear, the bytes are read as they are. The file is a
// memfd read through /proc/self/fd (the reader takes a path); nothing touches the disk. The
// reader must hand out at most op_count ops and exactly op_count when it reports no error, and
// read_trace must agree with it.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/unique_fd.h"
#include "fuzz/fuzz_check.h"
#include "workloads/crc32.h"
#include "workloads/op.h"
#include "workloads/trace.h"

namespace {

// The header fields sealing needs (TRACE_FORMAT.md).
constexpr size_t kFixedHeader = 72;
constexpr size_t kHeaderBytesAt = 12;
constexpr size_t kRecordsBytesAt = 24;
constexpr size_t kRecordsCrcAt = 60;
constexpr size_t kHeaderCrcAt = 64;

uint64_t get_le(const std::string& b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  return v;
}
void put_u32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
}

// Recomputes the records' CRC (over what of the record section the file holds) and then the
// header's, when the file is long enough to have them.
void seal(std::string& file) {
  if (file.size() < kFixedHeader) return;
  const uint64_t header_bytes = get_le(file, kHeaderBytesAt, 4);
  if (header_bytes < kFixedHeader || header_bytes > file.size()) return;
  const uint64_t records_bytes = std::min<uint64_t>(get_le(file, kRecordsBytesAt, 8), file.size() - header_bytes);
  put_u32(file, kRecordsCrcAt, rpbench::workloads::crc32(0, file.data() + header_bytes, records_bytes));
  put_u32(file, kHeaderCrcAt, 0);
  put_u32(file, kHeaderCrcAt, rpbench::workloads::crc32(0, file.data(), header_bytes));
}

// The bytes as a memfd (closed when the UniqueFd goes).
rpbench::UniqueFd memfd_with(const std::string& bytes) {
  rpbench::UniqueFd fd(::memfd_create("fuzz_trace", MFD_CLOEXEC));
  FUZZ_CHECK(fd);
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    FUZZ_CHECK(n > 0);
    done += static_cast<size_t>(n);
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) seal(file);
  const rpbench::UniqueFd fd = memfd_with(file);
  const std::string path = "/proc/self/fd/" + std::to_string(fd.get());

  auto reader = rpbench::workloads::TraceReader::open(path);
  // An error's message goes into results (JSON): it must be UTF-8 (dump() throws otherwise).
  (void)nlohmann::json(reader.status().message()).dump();
  if (!reader.ok()) {
    FUZZ_CHECK(!rpbench::workloads::read_trace(path).ok());
    return 0;
  }
  rpbench::workloads::TraceReader& r = **reader;
  FUZZ_CHECK(r.info().thread_count > 0 && r.info().thread_index < r.info().thread_count);
  std::vector<rpbench::workloads::Op> ops;
  rpbench::workloads::Op op;
  while (r.next(&op)) {
    FUZZ_CHECK(ops.size() < r.op_count());
    ops.push_back(op);
  }
  FUZZ_CHECK(!r.next(&op));  // it stays ended
  if (r.status().ok()) FUZZ_CHECK(ops.size() == r.op_count());
  (void)nlohmann::json(r.status().message()).dump();

  const auto all = rpbench::workloads::read_trace(path);
  FUZZ_CHECK(all.ok() == r.status().ok());
  if (all.ok()) {
    FUZZ_CHECK(*all == ops);
  }
  return 0;
}
