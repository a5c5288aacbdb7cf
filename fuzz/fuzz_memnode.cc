// fuzz_memnode: the memory node's wire protocol (transport/protocol.h) on arbitrary bytes, as a
// node and a client decode what a peer sent. The first input byte chooses the decoder, the rest
// (zero-padded or cut to the fixed size) is its input:
//   0 a client's hello, as every listener checks it (check_hello: a node with a token and two
//     regions, shm allowed or not by the next byte)
//   1 the node's hello reply          2 a request header, its range checked as the node does
//   3 a response header               4 the node's facts text (parse_node_facts, and the fields
//                                       the result records from it: node_facts_json)
// Every decoded header must encode back to the bytes it came from (bar the token bytes past its
// length, which a hello carries but nothing reads).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "transport/protocol.h"
#include "transport/remote_memory.h"

namespace protocol = rpbench::transport::protocol;

namespace {

constexpr std::string_view kToken = "fuzz-token";
constexpr size_t kRegions = 2;
constexpr uint64_t kRegionBytes = 1ull << 20;

// The input as one fixed-size message: cut, or padded with zeros.
template <size_t N>
std::array<uint8_t, N> message(std::span<const uint8_t> in) {
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), in.data(), std::min(N, in.size()));
  return out;
}

void hello(std::span<const uint8_t> in) {
  const bool shm_allowed = !in.empty() && (in[0] & 1);
  if (!in.empty()) in = in.subspan(1);
  const auto raw = message<protocol::kHelloBytes>(in);
  const protocol::HelloVerdict v = protocol::check_hello(raw, kToken, kRegions, shm_allowed);
  if (v.code == protocol::Code::kOk) {
    FUZZ_CHECK(v.message.empty());
    FUZZ_CHECK(v.hello.region < kRegions);
    FUZZ_CHECK(protocol::token_matches(v.hello, kToken));
  } else {
    FUZZ_CHECK(!v.message.empty() && v.message.size() <= protocol::kMaxMessageBytes);
  }
  if (const auto h = protocol::decode_hello(raw)) {
    FUZZ_CHECK(h->token_len <= protocol::kMaxTokenBytes);
    std::array<uint8_t, protocol::kHelloBytes> again{};
    protocol::encode(*h, again);
    FUZZ_CHECK(again == raw);
  }
}

void hello_reply(std::span<const uint8_t> in) {
  const auto raw = message<protocol::kHelloReplyBytes>(in);
  if (const auto h = protocol::decode_hello_reply(raw)) {
    FUZZ_CHECK(h->message_len <= protocol::kMaxMessageBytes);
    (void)protocol::code_name(h->code);
    (void)protocol::refusal_code(h->code);
    std::array<uint8_t, protocol::kHelloReplyBytes> again{};
    protocol::encode(*h, again);
    FUZZ_CHECK(again == raw);
  }
}

void request(std::span<const uint8_t> in) {
  const auto raw = message<protocol::kRequestBytes>(in);
  const protocol::RequestHeader r = protocol::decode_request(raw);
  std::array<uint8_t, protocol::kRequestBytes> again{};
  protocol::encode(r, again);
  FUZZ_CHECK(again == raw);
  if (protocol::check_range(r.offset, r.length, kRegionBytes) == protocol::Code::kOk) {
    FUZZ_CHECK(r.length > 0 && r.length <= protocol::kMaxRequestBytes);
    FUZZ_CHECK(r.offset < kRegionBytes && r.offset + r.length <= kRegionBytes);
  }
}

void response(std::span<const uint8_t> in) {
  const auto raw = message<protocol::kResponseBytes>(in);
  if (const auto r = protocol::decode_response(raw)) {
    FUZZ_CHECK(r->message_len <= protocol::kMaxMessageBytes);
    (void)protocol::code_name(r->code);
    std::array<uint8_t, protocol::kResponseBytes> again{};
    protocol::encode(*r, again);
    FUZZ_CHECK(again == raw);
  }
}

void node_facts(std::span<const uint8_t> in) {
  const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  const protocol::NodeFacts facts = protocol::parse_node_facts(text);
  const auto printable = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
      const auto u = static_cast<unsigned char>(ch);
      return u >= 0x20 && u <= 0x7e;
    });
  };
  for (const auto& [key, value] : facts) {
    FUZZ_CHECK(!key.empty() && key.find_first_of(";=") == std::string::npos && printable(key));
    FUZZ_CHECK(value.find(';') == std::string::npos && printable(value));
  }
  // What the node would send for them fits a reply, and reads back as a prefix of them.
  const std::string encoded = protocol::encode_node_facts(facts);
  FUZZ_CHECK(encoded.size() <= protocol::kMaxMessageBytes);
  FUZZ_CHECK(protocol::parse_node_facts(encoded).size() <= facts.size());
  // As the result's context.memory_node records them: written out as JSON with the result.
  const nlohmann::json fields = rpbench::transport::node_facts_json(text);
  FUZZ_CHECK(fields.size() <= facts.size());
  (void)fields.dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0: hello(rest); break;
    case 1: hello_reply(rest); break;
    case 2: request(rest); break;
    case 3: response(rest); break;
    default: node_facts(rest); break;
  }
  return 0;
}
