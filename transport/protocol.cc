#include "transport/protocol.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "transport/little_endian.h"

namespace rpbench::transport::protocol {

using namespace le;  // put16/32/64, get16/32/64

std::string_view code_name(Code c) {
  switch (c) {
    case Code::kOk: return "ok";
    case Code::kBadMagic: return "not an rpbench memory node protocol peer (bad magic)";
    case Code::kBadVersion: return "protocol version mismatch";
    case Code::kBadToken: return "wrong token";
    case Code::kNoSuchRegion: return "no such region";
    case Code::kOutOfBounds: return "outside the region";
    case Code::kBadLength: return "bad length";
    case Code::kUnknownOp: return "unknown operation";
    case Code::kNodeError: return "memory node error";
  }
  return "unknown error code";
}

Status::Code refusal_code(Code c) {
  switch (c) {
    case Code::kBadToken:
    case Code::kNoSuchRegion: return Status::Code::kInvalidArgument;
    case Code::kBadMagic:
    case Code::kBadVersion: return Status::Code::kFailedPrecondition;
    default: return Status::Code::kUnavailable;
  }
}

void encode(const Hello& h, std::span<uint8_t, kHelloBytes> out) {
  uint8_t* p = out.data();
  put32(p, h.magic);
  put16(p + 4, h.version);
  put16(p + 6, h.flags);
  put32(p + 8, h.region);
  put32(p + 12, h.token_len);
  std::memcpy(p + 16, h.token, kMaxTokenBytes);
}

void encode(const HelloReply& h, std::span<uint8_t, kHelloReplyBytes> out) {
  uint8_t* p = out.data();
  put32(p, h.magic);
  put16(p + 4, h.version);
  put16(p + 6, h.reserved);
  put32(p + 8, static_cast<uint32_t>(h.code));
  put32(p + 12, h.message_len);
  put64(p + 16, h.region_bytes);
}

void encode(const RequestHeader& h, std::span<uint8_t, kRequestBytes> out) {
  uint8_t* p = out.data();
  put32(p, h.op);
  put32(p + 4, h.reserved);
  put64(p + 8, h.tag);
  put64(p + 16, h.offset);
  put64(p + 24, h.length);
}

void encode(const ResponseHeader& h, std::span<uint8_t, kResponseBytes> out) {
  uint8_t* p = out.data();
  put32(p, static_cast<uint32_t>(h.code));
  put32(p + 4, h.message_len);
  put64(p + 8, h.tag);
  put64(p + 16, h.length);
}

std::optional<Hello> decode_hello(std::span<const uint8_t, kHelloBytes> in) {
  const uint8_t* p = in.data();
  Hello h;
  h.magic = get32(p);
  h.version = get16(p + 4);
  h.flags = get16(p + 6);
  h.region = get32(p + 8);
  h.token_len = get32(p + 12);
  if (h.token_len > kMaxTokenBytes) return std::nullopt;
  std::memcpy(h.token, p + 16, kMaxTokenBytes);
  return h;
}

std::optional<HelloReply> decode_hello_reply(std::span<const uint8_t, kHelloReplyBytes> in) {
  const uint8_t* p = in.data();
  HelloReply h;
  h.magic = get32(p);
  h.version = get16(p + 4);
  h.reserved = get16(p + 6);
  h.code = static_cast<Code>(get32(p + 8));
  h.message_len = get32(p + 12);
  h.region_bytes = get64(p + 16);
  if (h.message_len > kMaxMessageBytes) return std::nullopt;
  return h;
}

RequestHeader decode_request(std::span<const uint8_t, kRequestBytes> in) {
  const uint8_t* p = in.data();
  RequestHeader h;
  h.op = get32(p);
  h.reserved = get32(p + 4);
  h.tag = get64(p + 8);
  h.offset = get64(p + 16);
  h.length = get64(p + 24);
  return h;
}

std::optional<ResponseHeader> decode_response(std::span<const uint8_t, kResponseBytes> in) {
  const uint8_t* p = in.data();
  ResponseHeader h;
  h.code = static_cast<Code>(get32(p));
  h.message_len = get32(p + 4);
  h.tag = get64(p + 8);
  h.length = get64(p + 16);
  if (h.message_len > kMaxMessageBytes) return std::nullopt;
  return h;
}

StatusOr<Hello> make_hello(uint32_t region, std::string_view token, uint16_t flags) {
  if (token.empty()) return Status::InvalidArgument("the memory node token is empty");
  if (token.size() > kMaxTokenBytes)
    return Status::InvalidArgument("the memory node token is longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  Hello h;
  h.flags = flags;
  h.region = region;
  h.token_len = static_cast<uint32_t>(token.size());
  std::memcpy(h.token, token.data(), token.size());
  return h;
}

bool token_matches(const Hello& h, std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  // Compare all kMaxTokenBytes (zero-padded) and the length, without an early exit: the
  // accumulator is volatile so that the compiler cannot turn the loop into one that stops at the
  // first difference.
  char want[kMaxTokenBytes] = {};
  std::memcpy(want, token.data(), token.size());
  volatile unsigned diff = static_cast<unsigned>(h.token_len ^ token.size());
  for (size_t i = 0; i < kMaxTokenBytes; ++i) diff = diff | static_cast<unsigned char>(h.token[i] ^ want[i]);
  return diff == 0;
}

HelloVerdict check_hello(std::span<const uint8_t, kHelloBytes> raw, std::string_view token, size_t region_count,
                         bool shm_allowed) {
  HelloVerdict v;
  auto refuse = [&v](Code code, std::string message) {
    v.code = code;
    v.message = std::move(message);
    return v;
  };
  if (get32(raw.data()) != kMagic) return refuse(Code::kBadMagic, "not an rpbench memory node hello");
  if (const uint16_t version = get16(raw.data() + 4); version != kVersion)
    return refuse(Code::kBadVersion,
                  "protocol version " + std::to_string(version) + ", this node speaks " + std::to_string(kVersion));
  std::optional<Hello> hello = decode_hello(raw);
  if (!hello) return refuse(Code::kBadToken, "token longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  v.hello = *hello;
  if (!token_matches(v.hello, token)) return refuse(Code::kBadToken, "wrong token");
  if (v.hello.region >= region_count)
    return refuse(Code::kNoSuchRegion, "region " + std::to_string(v.hello.region) + ": this node has " +
                                           std::to_string(region_count) + " region(s)");
  if ((v.hello.flags & ~static_cast<uint16_t>(kFlagShm)) != 0)
    return refuse(Code::kNodeError, "unknown hello flags " + std::to_string(v.hello.flags));
  if ((v.hello.flags & kFlagShm) != 0 && !shm_allowed)
    return refuse(Code::kNodeError, "shm is served on the node's unix socket only");
  return v;
}

std::string encode_node_facts(const NodeFacts& facts) {
  std::string out;
  for (const auto& [key, raw] : facts) {
    std::string value = raw;
    for (char& ch : value)
      if (ch == ';' || ch == '=') ch = ',';
    std::string piece = (out.empty() ? "" : ";") + key + "=" + value;
    if (out.size() + piece.size() > kMaxMessageBytes) piece.resize(kMaxMessageBytes - out.size());
    out += piece;
    if (out.size() == kMaxMessageBytes) break;
  }
  return out;
}

namespace {

// The peer's bytes as printable ASCII: anything else becomes '?'.
std::string printable_ascii(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (const auto u = static_cast<unsigned char>(ch); u < 0x20 || u > 0x7e) ch = '?';
  return out;
}

}  // namespace

NodeFacts parse_node_facts(std::string_view text) {
  NodeFacts out;
  while (!text.empty()) {
    const size_t end = std::min(text.find(';'), text.size());
    const std::string_view piece = text.substr(0, end);
    const size_t eq = piece.find('=');
    if (eq != std::string_view::npos && eq > 0)
      out.emplace_back(printable_ascii(piece.substr(0, eq)), printable_ascii(piece.substr(eq + 1)));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

Code check_range(uint64_t offset, uint64_t length, uint64_t region_bytes) {
  if (length == 0 || length > kMaxRequestBytes) return Code::kBadLength;
  if (offset > region_bytes || length > region_bytes - offset) return Code::kOutOfBounds;
  return Code::kOk;
}

}  // namespace rpbench::transport::protocol
