// The memory node's wire protocol (version 1), shared by the tcp transport, the shm transport's
// control connection (a unix socket) and, for its handshake fields, the verbs transport's
// rdma_cm private data. Little-endian, fixed-size headers, encoded and decoded field by field
// (no struct punning), so a malformed peer can only produce a decode error.
//
// A connection starts with Hello (client -> node) and HelloReply (node -> client). On a unix
// socket with kFlagShm the reply carries the region's memfd (SCM_RIGHTS) and no requests follow:
// the connection stays open only so each side learns when the other goes away.
// Otherwise requests follow, pipelined: RequestHeader [+ `length` payload bytes for a write];
// the node answers each request in order with ResponseHeader [+ message][+ payload for a read].
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/token.h"

namespace rpbench::transport::protocol {

inline constexpr uint32_t kMagic = 0x4e4d5052;  // "RPMN"
inline constexpr uint16_t kVersion = 1;
inline constexpr uint64_t kMaxRequestBytes = 1ull << 30;  // one request moves at most 1 GiB
inline constexpr size_t kMaxMessageBytes = 256;           // error text in a reply
// The token's limit and its environment variable are base/token.h's.
using rpbench::kMaxTokenBytes;
using rpbench::kTokenEnv;

enum class Code : uint32_t {
  kOk = 0,
  kBadMagic = 1,
  kBadVersion = 2,
  kBadToken = 3,
  kNoSuchRegion = 4,
  kOutOfBounds = 5,
  kBadLength = 6,
  kUnknownOp = 7,
  kNodeError = 8,  // the node could not do it (e.g. it is stopping)
};
std::string_view code_name(Code c);
// The Status code of a connection the node refused with `c` (every listener: tcp, unix socket,
// rdma_cm): kInvalidArgument for what the client asked for (a wrong token, no such region),
// kFailedPrecondition for a peer that speaks another protocol (magic, version), kUnavailable when
// the node could not serve it (kNodeError).
Status::Code refusal_code(Code c);

enum : uint16_t { kFlagShm = 1 };

struct Hello {  // 48 bytes on the wire
  uint32_t magic = kMagic;
  uint16_t version = kVersion;
  uint16_t flags = 0;
  uint32_t region = 0;
  uint32_t token_len = 0;
  char token[kMaxTokenBytes] = {};
};
inline constexpr size_t kHelloBytes = 48;

struct HelloReply {  // 24 bytes on the wire, then message_len bytes of text
  uint32_t magic = kMagic;
  uint16_t version = kVersion;
  uint16_t reserved = 0;
  Code code = Code::kOk;
  uint32_t message_len = 0;
  uint64_t region_bytes = 0;
};
inline constexpr size_t kHelloReplyBytes = 24;

enum class ReqOp : uint32_t { kWrite = 1, kRead = 2 };

struct RequestHeader {  // 32 bytes on the wire
  uint32_t op = 0;      // a ReqOp; anything else is refused with kUnknownOp
  uint32_t reserved = 0;
  uint64_t tag = 0;     // echoed in the response
  uint64_t offset = 0;  // in the region
  uint64_t length = 0;  // payload bytes (write: that follow; read: wanted)
};
inline constexpr size_t kRequestBytes = 32;

struct ResponseHeader {  // 24 bytes on the wire, then message_len bytes of text, then the read payload
  Code code = Code::kOk;
  uint32_t message_len = 0;
  uint64_t tag = 0;
  uint64_t length = 0;  // read payload bytes that follow (0 unless a read succeeded)
};
inline constexpr size_t kResponseBytes = 24;

void encode(const Hello& h, std::span<uint8_t, kHelloBytes> out);
void encode(const HelloReply& h, std::span<uint8_t, kHelloReplyBytes> out);
void encode(const RequestHeader& h, std::span<uint8_t, kRequestBytes> out);
void encode(const ResponseHeader& h, std::span<uint8_t, kResponseBytes> out);
// Decoders never fail on content (codes and ops are checked by whoever uses them) except that
// a token_len over kMaxTokenBytes or a message_len over kMaxMessageBytes gives nullopt.
std::optional<Hello> decode_hello(std::span<const uint8_t, kHelloBytes> in);
std::optional<HelloReply> decode_hello_reply(std::span<const uint8_t, kHelloReplyBytes> in);
RequestHeader decode_request(std::span<const uint8_t, kRequestBytes> in);
std::optional<ResponseHeader> decode_response(std::span<const uint8_t, kResponseBytes> in);

// Hello for a token; kInvalidArgument when the token is empty or longer than kMaxTokenBytes.
StatusOr<Hello> make_hello(uint32_t region, std::string_view token, uint16_t flags = 0);
// Constant-time comparison of the hello's token with the node's.
bool token_matches(const Hello& h, std::string_view token);

// The node's verdict on a client's hello, the same for every listener (tcp, unix socket, rdma_cm):
// checked in the order magic, version, token length, token, region, flags (a hello for shm,
// kFlagShm, only where `shm_allowed`: the unix socket). code kOk with the decoded hello, or the
// refusal's code and a message for the client.
struct HelloVerdict {
  Code code = Code::kOk;
  std::string message;
  Hello hello;
};
HelloVerdict check_hello(std::span<const uint8_t, kHelloBytes> raw, std::string_view token, size_t region_count,
                         bool shm_allowed);

// An accepting HelloReply's message: the node's host facts as "key=value" pairs joined by ';'
// (host, kernel, cpu_model, cores, memory_bytes, regions, region_bytes, allocation), at most
// kMaxMessageBytes (the longest values are cut). ';' and '=' inside a value become ','.
using NodeFacts = std::vector<std::pair<std::string, std::string>>;
std::string encode_node_facts(const NodeFacts& facts);
// The pairs back; a piece without '=' is skipped (a node of another build may say more or less).
// They are the peer's bytes, and end up in results (JSON): a byte outside printable ASCII (which
// no host fact the node sends holds) comes back as '?'.
NodeFacts parse_node_facts(std::string_view text);

// Is [offset, offset + length) inside a region of region_bytes, with 0 < length <= kMaxRequestBytes?
// Returns kOk, kBadLength or kOutOfBounds (overflow-safe).
Code check_range(uint64_t offset, uint64_t length, uint64_t region_bytes);

}  // namespace rpbench::transport::protocol
