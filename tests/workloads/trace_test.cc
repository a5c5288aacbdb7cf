// Trace files: exact round trip, atomic publication, and clear rejection of damaged files.
#include "workloads/trace.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "workloads/crc32.h"
#include "workloads/op_stream.h"

namespace rpbench::workloads {
namespace {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rpbench-trace-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path_), {})); }

 private:
  fs::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void spit(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<Op> sample_ops(int n) {
  WorkloadSpec spec;
  spec.key_count = 10'000'000'000ULL;
  spec.keys.dist = "scrambled-zipfian";
  spec.mix = {0.4, 0.2, 0.2, 0.1, 0.1};
  spec.value_size.dist = "uniform";
  spec.value_size.min = 1;
  spec.value_size.max = 1 << 20;
  OpStream stream(spec, 3, 8);
  std::vector<Op> ops(static_cast<size_t>(n));
  for (auto& op : ops) op = stream.next();
  ops.push_back(Op{OpType::kUpdate, UINT64_MAX, UINT64_MAX, kMaxValueSize});  // extremes encode too
  return ops;
}

TraceInfo sample_info() {
  TraceInfo info;
  info.seed = 42;
  info.key_count = 10'000'000'000ULL;
  info.thread_index = 3;
  info.thread_count = 8;
  info.spec = R"({"keys":{"dist":"scrambled-zipfian"}})";
  return info;
}

std::string write_sample(const TempDir& dir, const std::vector<Op>& ops) {
  const std::string path = dir.file("t.rpbtrace");
  TraceWriter writer(path, sample_info());
  for (const Op& op : ops) writer.write(op);
  writer.close();
  return path;
}

std::string error_of(const std::string& path) {
  const StatusOr<std::vector<Op>> r = read_trace(path);
  return r.ok() ? std::string() : r.status().message();
}

TEST(Trace, RoundTripIsExact) {
  TempDir dir;
  const auto ops = sample_ops(300000);  // several write buffers
  const std::string path = write_sample(dir, ops);
  auto opened = TraceReader::open(path);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  TraceReader& reader = **opened;
  EXPECT_EQ(reader.op_count(), ops.size());
  EXPECT_EQ(reader.info().seed, 42u);
  EXPECT_EQ(reader.info().key_count, 10'000'000'000ULL);
  EXPECT_EQ(reader.info().thread_index, 3u);
  EXPECT_EQ(reader.info().thread_count, 8u);
  EXPECT_EQ(reader.info().spec, sample_info().spec);
  std::vector<Op> back;
  Op op;
  while (reader.next(&op)) back.push_back(op);
  EXPECT_EQ(back, ops);
  EXPECT_FALSE(reader.next(&op));
  EXPECT_EQ(dir.entries(), 1u);  // no temporary file left behind
}

TEST(Trace, EmptyTrace) {
  TempDir dir;
  const std::string path = write_sample(dir, {});
  const auto ops = read_trace(path);
  ASSERT_TRUE(ops.ok()) << ops.status().to_string();
  EXPECT_TRUE(ops->empty());
}

TEST(Trace, PublishedOnlyOnClose) {
  TempDir dir;
  const std::string path = dir.file("t.rpbtrace");
  {
    TraceWriter writer(path, sample_info());
    writer.write(Op{OpType::kRead, 1, 0, 0});
    EXPECT_FALSE(fs::exists(path));
    EXPECT_EQ(dir.entries(), 1u);  // the temporary file
  }
  // Destroyed without close(): nothing published, the temporary file gone.
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(dir.entries(), 0u);
  TraceWriter writer(path, sample_info());
  writer.close();
  EXPECT_TRUE(fs::exists(path));
  EXPECT_THROW(writer.write(Op{}), std::runtime_error);
}

TEST(Trace, WriterNamesAnUnwritablePath) {
  try {
    TraceWriter writer("/nonexistent-dir/x.rpbtrace", sample_info());
    FAIL() << "opened a trace in a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.rpbtrace"), std::string::npos) << e.what();
  }
}

TEST(Trace, MissingFile) {
  TempDir dir;
  const std::string msg = error_of(dir.file("absent.rpbtrace"));
  EXPECT_NE(msg.find("absent.rpbtrace"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(Trace, TruncatedFile) {
  TempDir dir;
  const std::string path = write_sample(dir, sample_ops(1000));
  const std::string data = slurp(path);
  for (size_t keep : {data.size() - 1, data.size() / 2, size_t{80}, size_t{40}, size_t{10}, size_t{0}}) {
    spit(path, data.substr(0, keep));
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find("truncated"), std::string::npos) << "kept " << keep << ": " << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(Trace, OtherVersion) {
  TempDir dir;
  const std::string path = write_sample(dir, sample_ops(10));
  std::string data = slurp(path);
  data[8] = 2;
  spit(path, data);
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find("version 2"), std::string::npos) << msg;
}

TEST(Trace, BadMagic) {
  TempDir dir;
  const std::string path = dir.file("notes.txt");
  spit(path, "op,key_id,value_size\nread,1,0\nread,2,0\nread,3,0\nread,4,0\n");
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
}

TEST(Trace, FlippedBitsAreCaught) {
  TempDir dir;
  const std::string path = write_sample(dir, sample_ops(1000));
  const std::string data = slurp(path);
  const std::string spec = sample_info().spec;
  const size_t records = 72 + spec.size();
  // In a record, in the spec text, in the op count.
  for (size_t pos : {records + 5, data.size() - 1, size_t{72 + 3}, size_t{16}}) {
    std::string bad = data;
    bad[pos] ^= 0x10;
    spit(path, bad);
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find("checksum mismatch"), std::string::npos) << "byte " << pos << ": " << msg;
  }
}

TEST(Trace, CorruptRecordWithValidChecksumNamesTheOffset) {
  TempDir dir;
  const std::vector<Op> ops = {{OpType::kRead, 1, 0, 0}, {OpType::kRead, 2, 0, 0}};
  const std::string path = write_sample(dir, ops);
  std::string data = slurp(path);
  const size_t records = 72 + sample_info().spec.size();
  // Each record is 4 bytes here (type + three one-byte varints): make the second one's type 9.
  ASSERT_EQ(data.size(), records + 8);
  data[records + 4] = 9;
  // Re-seal both checksums so only the record decoder can notice.
  const uint32_t rcrc = crc32(0, data.data() + records, 8);
  for (int i = 0; i < 4; ++i) data[60 + i] = static_cast<char>(rcrc >> (8 * i));
  for (int i = 0; i < 4; ++i) data[64 + i] = 0;
  const uint32_t hcrc = crc32(0, data.data(), records);
  for (int i = 0; i < 4; ++i) data[64 + i] = static_cast<char>(hcrc >> (8 * i));
  spit(path, data);
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find("corrupt record 1 at offset " + std::to_string(records + 4) + ": op type 9"), std::string::npos)
      << msg;
}

// Replaces the records of a sample trace with `records` (raw bytes) and `op_count`, resealing both
// checksums, so only the record decoder (or the count check) can notice what is wrong.
void reseal(const std::string& path, const std::string& records, uint64_t op_count) {
  std::string data = slurp(path);
  const size_t begin = 72 + sample_info().spec.size();
  data = data.substr(0, begin) + records;
  for (int i = 0; i < 8; ++i) data[16 + i] = static_cast<char>(op_count >> (8 * i));
  const uint64_t rbytes = records.size();
  for (int i = 0; i < 8; ++i) data[24 + i] = static_cast<char>(rbytes >> (8 * i));
  const uint32_t rcrc = crc32(0, records.data(), records.size());
  for (int i = 0; i < 4; ++i) data[60 + i] = static_cast<char>(rcrc >> (8 * i));
  for (int i = 0; i < 4; ++i) data[64 + i] = 0;
  const uint32_t hcrc = crc32(0, data.data(), begin);
  for (int i = 0; i < 4; ++i) data[64 + i] = static_cast<char>(hcrc >> (8 * i));
  spit(path, data);
}

TEST(Trace, CorruptRecordsEndTheStreamWithAStatusNeverAnException) {
  TempDir dir;
  const std::string path = write_sample(dir, {{OpType::kRead, 1, 0, 0}});
  const std::string read1("\x00\x01\x00\x00", 4);
  struct Case {
    std::string records;
    uint64_t ops;
    const char* expect;
  };
  const std::vector<Case> cases = {
      // more ops announced than the records hold (the count check at open)
      {read1, 5, "ops cannot fit"},
      // the second record's varint runs past the end of the records
      {read1 + std::string("\x00\x81\x81\x81", 4), 2, "malformed or cut-off varint"},
      // an op type out of range
      {std::string("\x07\x01\x00\x00", 4), 1, "op type 7"},
      // an overlong varint (eleven continuation bytes)
      {std::string("\x00", 1) + std::string(11, '\x80') + std::string("\x01\x00\x00", 3), 1, "varint"},
      // a value size of 8 GiB
      {std::string("\x01\x01\x01", 3) + std::string("\x80\x80\x80\x80\x20", 5), 1, "above the largest value"},
      // one op announced, two records
      {read1 + read1, 1, "bytes after the last of 1 records"},
  };
  for (const Case& c : cases) {
    reseal(path, c.records, c.ops);
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.expect << ": " << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(Trace, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32(0, "123456789", 9), 0xcbf43926u);
  EXPECT_EQ(crc32(crc32(0, "12345", 5), "6789", 4), 0xcbf43926u);
}

TEST(Trace, CsvWriter) {
  std::ostringstream out;
  CsvTraceWriter csv(out);
  csv.write(Op{OpType::kRead, 17, 0, 0});
  csv.write(Op{OpType::kReadModifyWrite, UINT64_MAX, 3, 100});
  csv.write(OpType::kInsert, 5, 1024);
  EXPECT_EQ(out.str(), "op,key_id,value_size\nread,17,0\nrmw,18446744073709551615,100\ninsert,5,1024\n");
}

}  // namespace
}  // namespace rpbench::workloads
