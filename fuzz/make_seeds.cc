// make_seeds: writes the binary seed inputs of the fuzz targets with the project's own writers:
// RDB streams (RdbWriter through MemorySink, and hand-built records the writer does not produce:
// LZF strings, integer encodings, expire and LFU/LRU opcodes, older versions), traces
// (TraceWriter) and memory node messages (the protocol's encoders), each valid, and a few near
// misses (cut short, a checksum off, a type the loader refuses). Text seeds (configs, --set
// lines) are plain files in fuzz/corpus/. Run by hand when a format changes:
//   build-fuzz/fuzz/make_seeds fuzz/corpus
// Each seed lands at corpus/<target>/<name> (overwritten).
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engines/kvstore/kvstore.h"
#include "engines/rdb/crc64.h"
#include "engines/rdb/memory_sink.h"
#include "engines/rdb/rdb_format.h"
#include "engines/rdb/rdb_kvstore.h"
#include "transport/protocol.h"
#include "workloads/op.h"
#include "workloads/trace.h"

namespace {

namespace rdb = rpbench::rdb;
namespace protocol = rpbench::transport::protocol;
using rpbench::workloads::Op;
using rpbench::workloads::OpType;

class SeedDir {
 public:
  explicit SeedDir(std::string root) : root_(std::move(root)) {}
  void write(const std::string& target, const std::string& name, const std::string& bytes) const {
    const std::string path = root_ + "/" + target + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "make_seeds: cannot write %s (does %s/%s exist?)\n", path.c_str(), root_.c_str(),
                   target.c_str());
      std::exit(1);
    }
    std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
  }

 private:
  std::string root_;
};

// ---------------------------------------------------------------- RDB

std::string rdb_of(const rpbench::kvstore::KvStore& store) {
  std::string out;
  rdb::MemorySink sink(&out);
  rdb::RdbWriterOptions opt;
  opt.ctime = 1700000000;  // the same bytes on every run
  const rdb::RdbWriteResult r = rdb::write_rdb(store, &sink, opt);
  if (!r.status.ok()) {
    std::fprintf(stderr, "make_seeds: %s\n", r.status.to_string().c_str());
    std::exit(1);
  }
  return out;
}

// A stream built record by record (what the writer never writes).
class RdbBytes {
 public:
  explicit RdbBytes(const std::string& magic) : b_(magic) {}
  RdbBytes& byte(uint8_t c) {
    b_ += static_cast<char>(c);
    return *this;
  }
  RdbBytes& raw(const std::string& s) {
    b_ += s;
    return *this;
  }
  RdbBytes& len(uint64_t v) {
    rdb::append_rdb_length(&b_, v);
    return *this;
  }
  RdbBytes& str(const std::string& s) { return len(s.size()).raw(s); }
  // EOF, then (version >= 5) the CRC64, or 0 when `checksum` is false.
  std::string finish(bool with_crc_field, bool checksum = true) const {
    std::string out = b_ + static_cast<char>(rdb::kOpEof);
    if (!with_crc_field) return out;
    const uint64_t c = checksum ? rdb::crc64(0, out.data(), out.size()) : 0;
    for (int i = 0; i < 8; ++i) out += static_cast<char>(c >> (8 * i));
    return out;
  }

 private:
  std::string b_;
};

void rdb_seeds(const SeedDir& dir) {
  const std::string t = "fuzz_rdb";
  rpbench::kvstore::KvStore empty;
  dir.write(t, "valid-empty.rdb", rdb_of(empty));

  rpbench::kvstore::KvStore three;
  three.put("key:1", "value one");
  three.put("12345", "-7");  // integer-looking: the writer encodes it as an integer
  three.put("", "");
  const std::string three_keys = rdb_of(three);
  dir.write(t, "valid-three-keys.rdb", three_keys);

  // "abcabcabcabc" as LZF: a literal run of 3, then a back reference of 9 at distance 3.
  const std::string lzf = std::string(
      "\x02"
      "abc"
      "\xe0\x00\x02",
      7);
  dir.write(t, "valid-lzf-expire-int.rdb",
            RdbBytes("REDIS0010")
                .byte(rdb::kOpAux)
                .str("redis-ver")
                .str("7.0.11")
                .byte(rdb::kOpSelectDb)
                .len(0)
                .byte(rdb::kOpResizeDb)
                .len(4)
                .len(1)
                .byte(rdb::kOpExpireTimeMs)
                .raw(std::string(8, '\x01'))
                .byte(rdb::kTypeString)
                .str("lzf")
                .byte((rdb::kEncVal << 6) | rdb::kEncLzf)
                .len(lzf.size())
                .len(12)
                .raw(lzf)
                .byte(rdb::kOpIdle)
                .len(100)
                .byte(rdb::kTypeString)
                .byte((rdb::kEncVal << 6) | rdb::kEncInt8)
                .byte(0x85)
                .str("int8 key")
                .byte(rdb::kOpFreq)
                .byte(5)
                .byte(rdb::kTypeString)
                .byte((rdb::kEncVal << 6) | rdb::kEncInt16)
                .raw("\x34\x12")
                .str("int16 key")
                .byte(rdb::kOpExpireTime)
                .raw(std::string("\x00\x00\x00\x01", 4))
                .byte(rdb::kTypeString)
                .byte((rdb::kEncVal << 6) | rdb::kEncInt32)
                .raw("\x78\x56\x34\x92")
                .str(std::string(300, 'v'))
                .finish(true));
  dir.write(t, "valid-v4-no-checksum-field.rdb",
            RdbBytes("REDIS0004").byte(rdb::kOpSelectDb).len(0).byte(rdb::kTypeString).str("k").str("v").finish(false));
  dir.write(t, "valid-checksum-disabled.rdb",
            RdbBytes("REDIS0009").byte(rdb::kTypeString).str("k").str("v").finish(true, /*checksum=*/false));

  dir.write(t, "near-truncated.rdb", three_keys.substr(0, three_keys.size() - 15));
  std::string bad_crc = three_keys;
  bad_crc.back() = static_cast<char>(bad_crc.back() ^ 0x40);
  dir.write(t, "near-bad-checksum.rdb", bad_crc);
  dir.write(t, "near-hash-type.rdb", RdbBytes("REDIS0010").byte(4).str("h").len(1).str("f").str("v").finish(true));
  dir.write(t, "near-duplicate-key.rdb",
            RdbBytes("REDIS0010")
                .byte(rdb::kTypeString)
                .str("k")
                .str("1")
                .byte(rdb::kTypeString)
                .str("k")
                .str("2")
                .finish(true));
  dir.write(t, "near-db1.rdb", RdbBytes("REDIS0010").byte(rdb::kOpSelectDb).len(1).finish(true));
}

// ---------------------------------------------------------------- traces

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A trace of `ops` written by TraceWriter (into a temporary file next to the corpus, removed).
std::string trace_of(const std::string& tmp_path, const std::vector<Op>& ops, const std::string& spec) {
  rpbench::workloads::TraceInfo info;
  info.seed = 42;
  info.key_count = 1000;
  info.thread_index = 1;
  info.thread_count = 2;
  info.spec = spec;
  rpbench::workloads::TraceWriter w(tmp_path, info);
  for (const Op& op : ops) w.write(op);
  w.close();
  std::string bytes = read_file(tmp_path);
  std::remove(tmp_path.c_str());
  return bytes;
}

void trace_seeds(const SeedDir& dir, const std::string& root) {
  const std::string t = "fuzz_trace";
  const std::string tmp = root + "/.make_seeds.trace";
  std::vector<Op> ops;
  for (int i = 0; i < 20; ++i) {
    Op op;
    op.type = static_cast<OpType>(i % rpbench::workloads::kOpTypeCount);
    op.key_id = i < 10 ? static_cast<uint64_t>(i) : (uint64_t{1} << (3 * i)) + 7;
    op.version = static_cast<uint64_t>(i / 3);
    op.value_size = i % 2 ? 0u : 100u * static_cast<uint32_t>(i) + 1;
    ops.push_back(op);
  }
  // The first byte is fuzz_trace's flag: 0 reads the bytes as they are, 1 seals the checksums first.
  const std::string spec = R"({"keys":{"dist":"zipfian","theta":0.99}})";
  const std::string twenty = trace_of(tmp, ops, spec);
  dir.write(t, "valid-twenty-ops", std::string(1, '\0') + twenty);
  dir.write(t, "valid-twenty-ops-sealed", std::string(1, '\1') + twenty);
  dir.write(t, "valid-empty", std::string(1, '\0') + trace_of(tmp, {}, ""));
  dir.write(t, "near-truncated", std::string(1, '\0') + twenty.substr(0, twenty.size() - 9));
  std::string bad_type = twenty;
  bad_type[72 + spec.size()] = '\x09';  // the first record's type byte (after the header): no such op
  dir.write(t, "near-bad-op-type-sealed", std::string(1, '\1') + bad_type);
  dir.write(t, "near-bad-op-type-unsealed", std::string(1, '\0') + bad_type);
}

// ---------------------------------------------------------------- the memory node's protocol

template <size_t N>
std::string bytes_of(const std::array<uint8_t, N>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

// The tokens here are valid: a failure is a bug in this program.
protocol::Hello hello_for(uint32_t region, std::string_view token, uint16_t flags = 0) {
  rpbench::StatusOr<protocol::Hello> h = protocol::make_hello(region, token, flags);
  if (!h.ok()) {
    std::fprintf(stderr, "make_seeds: make_hello: %s\n", h.status().to_string().c_str());
    std::exit(1);
  }
  return *h;
}

void memnode_seeds(const SeedDir& dir) {
  const std::string t = "fuzz_memnode";
  // The first byte chooses fuzz_memnode's decoder: 0 hello (then a byte: shm allowed), 1 hello
  // reply, 2 request, 3 response, 4 node facts.
  std::array<uint8_t, protocol::kHelloBytes> hello{};
  protocol::encode(hello_for(1, "fuzz-token"), hello);
  dir.write(t, "valid-hello", std::string("\x00\x00", 2) + bytes_of(hello));
  protocol::encode(hello_for(0, "fuzz-token", protocol::kFlagShm), hello);
  dir.write(t, "valid-hello-shm", std::string("\x00\x01", 2) + bytes_of(hello));
  dir.write(t, "near-hello-shm-on-tcp", std::string("\x00\x00", 2) + bytes_of(hello));
  protocol::encode(hello_for(0, "wrong-token"), hello);
  dir.write(t, "near-hello-wrong-token", std::string("\x00\x00", 2) + bytes_of(hello));
  protocol::encode(hello_for(7, "fuzz-token"), hello);
  dir.write(t, "near-hello-no-such-region", std::string("\x00\x00", 2) + bytes_of(hello));

  protocol::HelloReply reply;
  reply.message_len = 40;
  reply.region_bytes = 1ull << 30;
  std::array<uint8_t, protocol::kHelloReplyBytes> reply_bytes{};
  protocol::encode(reply, reply_bytes);
  dir.write(t, "valid-hello-reply", "\x01" + bytes_of(reply_bytes));

  protocol::RequestHeader req;
  req.op = static_cast<uint32_t>(protocol::ReqOp::kWrite);
  req.tag = 9;
  req.offset = 4096;
  req.length = 4096;
  std::array<uint8_t, protocol::kRequestBytes> req_bytes{};
  protocol::encode(req, req_bytes);
  dir.write(t, "valid-request-write", "\x02" + bytes_of(req_bytes));
  req.op = static_cast<uint32_t>(protocol::ReqOp::kRead);
  req.offset = (1ull << 20) - 8;
  req.length = 16;
  protocol::encode(req, req_bytes);
  dir.write(t, "near-request-read-past-end", "\x02" + bytes_of(req_bytes));

  protocol::ResponseHeader resp;
  resp.code = protocol::Code::kOutOfBounds;
  resp.message_len = 20;
  resp.tag = 9;
  std::array<uint8_t, protocol::kResponseBytes> resp_bytes{};
  protocol::encode(resp, resp_bytes);
  dir.write(t, "valid-response", "\x03" + bytes_of(resp_bytes));

  dir.write(t, "valid-node-facts",
            "\x04" + protocol::encode_node_facts({{"host", "node1"},
                                                  {"kernel", "6.1.0-13-amd64"},
                                                  {"cpu_model", "AMD EPYC; 7763 = 64-Core"},
                                                  {"cores", "2"},
                                                  {"memory_bytes", "25769803776"},
                                                  {"regions", "1"},
                                                  {"region_bytes", "1073741824"},
                                                  {"allocation", "lazy"}}));
  dir.write(t, "near-node-facts-pieces", std::string("\x04") + "host;=x;a=;=;b=c=d;;");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (fuzz/corpus)\n");
    return 2;
  }
  const std::string root = argv[1];
  const SeedDir dir(root);
  rdb_seeds(dir);
  trace_seeds(dir, root);
  memnode_seeds(dir);
  return 0;
}
