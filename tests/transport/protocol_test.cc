// The memory node's wire protocol (transport/protocol.h): encode/decode round trips, the exact
// little-endian layout, decoders refusing oversize lengths, check_range at its edges (incl.
// offset + length overflow) and token_matches.
#include "transport/protocol.h"
#include "tests/transport/test_util.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench::transport::protocol {
namespace {

using transport::testing::must_hello;

TEST(Protocol, HelloRoundTrip) {
  Hello h = must_hello(7, "secret-token", kFlagShm);
  std::array<uint8_t, kHelloBytes> buf{};
  encode(h, buf);
  auto d = decode_hello(buf);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->magic, kMagic);
  EXPECT_EQ(d->version, kVersion);
  EXPECT_EQ(d->flags, kFlagShm);
  EXPECT_EQ(d->region, 7u);
  EXPECT_EQ(d->token_len, 12u);
  EXPECT_EQ(std::string(d->token, d->token_len), "secret-token");
  EXPECT_TRUE(token_matches(*d, "secret-token"));
}

TEST(Protocol, HelloLayoutIsLittleEndianFieldByField) {
  Hello h = must_hello(0x01020304, "ab");
  std::array<uint8_t, kHelloBytes> buf{};
  encode(h, buf);
  EXPECT_EQ(buf[0], 0x52);  // "RPMN" magic 0x4e4d5052, low byte first
  EXPECT_EQ(buf[3], 0x4e);
  EXPECT_EQ(buf[4], kVersion & 0xff);
  EXPECT_EQ(buf[8], 0x04);
  EXPECT_EQ(buf[11], 0x01);
  EXPECT_EQ(buf[12], 2);
  EXPECT_EQ(buf[16], 'a');
  EXPECT_EQ(buf[17], 'b');
  EXPECT_EQ(buf[18], 0);
}

TEST(Protocol, HelloReplyRoundTrip) {
  HelloReply r;
  r.code = Code::kNoSuchRegion;
  r.message_len = 17;
  r.region_bytes = (1ull << 40) + 5;
  std::array<uint8_t, kHelloReplyBytes> buf{};
  encode(r, buf);
  auto d = decode_hello_reply(buf);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->magic, kMagic);
  EXPECT_EQ(d->version, kVersion);
  EXPECT_EQ(d->code, Code::kNoSuchRegion);
  EXPECT_EQ(d->message_len, 17u);
  EXPECT_EQ(d->region_bytes, (1ull << 40) + 5);
}

TEST(Protocol, RequestRoundTrip) {
  RequestHeader q;
  q.op = static_cast<uint32_t>(ReqOp::kRead);
  q.reserved = 9;
  q.tag = 0xdeadbeefcafef00dull;
  q.offset = 0x0123456789abcdefull;
  q.length = kMaxRequestBytes;
  std::array<uint8_t, kRequestBytes> buf{};
  encode(q, buf);
  RequestHeader d = decode_request(buf);
  EXPECT_EQ(d.op, q.op);
  EXPECT_EQ(d.reserved, 9u);
  EXPECT_EQ(d.tag, q.tag);
  EXPECT_EQ(d.offset, q.offset);
  EXPECT_EQ(d.length, q.length);
  // An unknown op decodes as is (the node refuses it, not the decoder).
  q.op = 0xffffffffu;
  encode(q, buf);
  EXPECT_EQ(decode_request(buf).op, 0xffffffffu);
}

TEST(Protocol, ResponseRoundTrip) {
  ResponseHeader r;
  r.code = Code::kOutOfBounds;
  r.message_len = kMaxMessageBytes;
  r.tag = 42;
  r.length = 0;
  std::array<uint8_t, kResponseBytes> buf{};
  encode(r, buf);
  auto d = decode_response(buf);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->code, Code::kOutOfBounds);
  EXPECT_EQ(d->message_len, kMaxMessageBytes);
  EXPECT_EQ(d->tag, 42u);
  EXPECT_EQ(d->length, 0u);
}

TEST(Protocol, DecodeRejectsOversizeTokenLength) {
  Hello h = must_hello(0, "x");
  h.token_len = kMaxTokenBytes + 1;
  std::array<uint8_t, kHelloBytes> buf{};
  encode(h, buf);
  EXPECT_FALSE(decode_hello(buf).has_value());
  h.token_len = 0xffffffffu;
  encode(h, buf);
  EXPECT_FALSE(decode_hello(buf).has_value());
  h.token_len = kMaxTokenBytes;  // the limit itself is fine
  encode(h, buf);
  EXPECT_TRUE(decode_hello(buf).has_value());
}

TEST(Protocol, DecodeRejectsOversizeMessageLength) {
  HelloReply r;
  r.message_len = kMaxMessageBytes + 1;
  std::array<uint8_t, kHelloReplyBytes> rb{};
  encode(r, rb);
  EXPECT_FALSE(decode_hello_reply(rb).has_value());
  r.message_len = kMaxMessageBytes;
  encode(r, rb);
  EXPECT_TRUE(decode_hello_reply(rb).has_value());

  ResponseHeader s;
  s.message_len = 0x80000000u;
  std::array<uint8_t, kResponseBytes> sb{};
  encode(s, sb);
  EXPECT_FALSE(decode_response(sb).has_value());
  s.message_len = kMaxMessageBytes;
  encode(s, sb);
  EXPECT_TRUE(decode_response(sb).has_value());
}

TEST(Protocol, MakeHelloRejectsBadTokens) {
  EXPECT_EQ(make_hello(0, "").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(make_hello(0, std::string(kMaxTokenBytes + 1, 'a')).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(make_hello(0, std::string(kMaxTokenBytes, 'a')).ok());
}

TEST(Protocol, TokenMatches) {
  Hello h = must_hello(0, "abc");
  EXPECT_TRUE(token_matches(h, "abc"));
  EXPECT_FALSE(token_matches(h, "abd"));
  EXPECT_FALSE(token_matches(h, "ab"));    // a prefix is not the token
  EXPECT_FALSE(token_matches(h, "abcd"));  // nor is an extension
  EXPECT_FALSE(token_matches(h, ""));      // an empty node token never matches
  EXPECT_FALSE(token_matches(h, std::string(kMaxTokenBytes + 1, 'a')));
  // Same bytes, but the length says otherwise (trailing zero bytes are not part of the token).
  Hello padded = h;
  padded.token_len = 4;
  EXPECT_FALSE(token_matches(padded, "abc"));
  std::string full(kMaxTokenBytes, 'z');
  EXPECT_TRUE(token_matches(must_hello(0, full), full));
}

// The node's verdict on a hello, shared by its tcp, unix-socket and rdma_cm listeners.
TEST(Protocol, CheckHelloOrderAndCodes) {
  auto verdict = [](Hello h, size_t regions = 2, bool shm_allowed = false) {
    std::array<uint8_t, kHelloBytes> raw;
    encode(h, raw);
    return check_hello(raw, "node-token", regions, shm_allowed);
  };
  const HelloVerdict ok = verdict(must_hello(1, "node-token"));
  EXPECT_EQ(ok.code, Code::kOk) << ok.message;
  EXPECT_EQ(ok.hello.region, 1u);
  EXPECT_EQ(verdict(must_hello(0, "node-token", kFlagShm), 1, true).code, Code::kOk);

  Hello h = must_hello(0, "node-token");
  h.magic = 0x01020304;
  EXPECT_EQ(verdict(h).code, Code::kBadMagic);
  // The version is checked before the token, whatever the token field holds: a newer client with
  // a longer token field learns the version mismatch.
  h = must_hello(0, "node-token");
  h.version = kVersion + 1;
  h.token_len = 1000;
  HelloVerdict v = verdict(h);
  EXPECT_EQ(v.code, Code::kBadVersion);
  EXPECT_NE(v.message.find(std::to_string(kVersion + 1)), std::string::npos) << v.message;
  h = must_hello(0, "node-token");
  h.token_len = kMaxTokenBytes + 1;
  EXPECT_EQ(verdict(h).code, Code::kBadToken);
  EXPECT_EQ(verdict(must_hello(0, "wrong")).code, Code::kBadToken);
  EXPECT_EQ(verdict(must_hello(7, "wrong")).code, Code::kBadToken);  // the region count stays hidden
  EXPECT_EQ(verdict(must_hello(2, "node-token")).code, Code::kNoSuchRegion);
  EXPECT_EQ(verdict(must_hello(0, "node-token", 4)).code, Code::kNodeError);         // unknown flag
  EXPECT_EQ(verdict(must_hello(0, "node-token", kFlagShm)).code, Code::kNodeError);  // shm off the unix socket
}

TEST(Protocol, CheckRangeEdges) {
  const uint64_t region = 1 << 20;
  EXPECT_EQ(check_range(0, 1, region), Code::kOk);
  EXPECT_EQ(check_range(0, region, region), Code::kOk);      // the whole region
  EXPECT_EQ(check_range(region - 1, 1, region), Code::kOk);  // the last byte
  EXPECT_EQ(check_range(region - 1, 2, region), Code::kOutOfBounds);
  EXPECT_EQ(check_range(region, 1, region), Code::kOutOfBounds);  // one past the end
  EXPECT_EQ(check_range(0, region + 1, region), Code::kOutOfBounds);
  EXPECT_EQ(check_range(region + 100, 1, region), Code::kOutOfBounds);
  EXPECT_EQ(check_range(0, 0, region), Code::kBadLength);
  EXPECT_EQ(check_range(0, kMaxRequestBytes + 1, ~0ull), Code::kBadLength);
  EXPECT_EQ(check_range(0, kMaxRequestBytes, ~0ull), Code::kOk);
}

TEST(Protocol, CheckRangeOverflow) {
  // offset + length wraps around 2^64: must not look like a small, valid range.
  EXPECT_EQ(check_range(~0ull, 1, 1 << 20), Code::kOutOfBounds);
  EXPECT_EQ(check_range(~0ull - 10, 4096, 1 << 20), Code::kOutOfBounds);
  EXPECT_EQ(check_range(~0ull - 10, 4096, ~0ull), Code::kOutOfBounds);
  EXPECT_EQ(check_range(~0ull - 4096, 4096, ~0ull), Code::kOk);
  EXPECT_EQ(check_range(0, 1, 0), Code::kOutOfBounds);
}

TEST(Protocol, CodeNamesAreDistinct) {
  for (uint32_t a = 0; a <= static_cast<uint32_t>(Code::kNodeError); ++a)
    for (uint32_t b = a + 1; b <= static_cast<uint32_t>(Code::kNodeError); ++b)
      EXPECT_NE(code_name(static_cast<Code>(a)), code_name(static_cast<Code>(b)));
  EXPECT_EQ(code_name(static_cast<Code>(999)), "unknown error code");
}

TEST(NodeFacts, RoundTripWithSeparatorsInValuesReplacedAndTheTextCutToAMessage) {
  const NodeFacts facts = {{"host", "memhost"}, {"kernel", "Linux 6.1;x=y"}, {"cores", "64"}};
  const std::string text = encode_node_facts(facts);
  EXPECT_EQ(text, "host=memhost;kernel=Linux 6.1,x,y;cores=64");
  const NodeFacts back = parse_node_facts(text);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1], (std::pair<std::string, std::string>("kernel", "Linux 6.1,x,y")));
  const std::string longest = encode_node_facts({{"host", "h"}, {"cpu_model", std::string(1000, 'c')}});
  EXPECT_EQ(longest.size(), kMaxMessageBytes);
  EXPECT_EQ(parse_node_facts(longest).at(1).first, "cpu_model");
  EXPECT_TRUE(parse_node_facts("").empty());
  EXPECT_EQ(parse_node_facts("junk;=x;a=1;;b=").size(), 2u) << "pieces without a key are skipped";
}

// Found by fuzz_memnode (fuzz/corpus/fuzz_memnode/crash-facts-not-utf8): a node's facts with bytes
// that are not UTF-8 went into the result's context.memory_node, whose JSON writer then threw.
TEST(NodeFacts, BytesOutsidePrintableAsciiComeBackAsQuestionMarks) {
  const NodeFacts back = parse_node_facts("host=caf\xc3\xa9;k\xff\x01=1\t2");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0], (std::pair<std::string, std::string>("host", "caf??")));
  EXPECT_EQ(back[1], (std::pair<std::string, std::string>("k??", "1?2")));
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : back) j[key] = value;
  EXPECT_NO_THROW((void)j.dump());
}

}  // namespace
}  // namespace rpbench::transport::protocol
