// The RDB file format as Redis 7.0 writes and loads it (rdb.h / rdb.c), the parts rpbench uses.
//
//   "REDIS0010"                                magic + 4-digit version
//   0xFA <string key> <string value>           AUX field (redis-ver, redis-bits, ctime, ...)
//   0xFE <length db>                           SELECTDB
//   0xFB <length keys> <length expires>        RESIZEDB
//   [0xFC <8-byte LE ms>] 0x00 <key> <value>   one string key (optional EXPIRETIME_MS)
//   0xFF <8-byte LE CRC64>                     EOF, then the checksum of every byte before it
//
// Lengths: 00xxxxxx (6 bits), 01xxxxxx yyyyyyyy (14 bits, big-endian), 0x80 + 32-bit BE,
// 0x81 + 64-bit BE; 11xxxxxx marks a special string encoding: 0 INT8, 1 INT16, 2 INT32 (the
// integer little-endian, the string is its decimal form), 3 LZF (compressed length, plain
// length, compressed bytes).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace rpbench::rdb {

inline constexpr std::string_view kRdbMagic = "REDIS";
inline constexpr int kRdbVersion = 10;  // Redis 7.0

// Opcodes.
inline constexpr uint8_t kOpFunction2 = 245;
inline constexpr uint8_t kOpFunctionPreGa = 246;
inline constexpr uint8_t kOpModuleAux = 247;
inline constexpr uint8_t kOpIdle = 248;
inline constexpr uint8_t kOpFreq = 249;
inline constexpr uint8_t kOpAux = 250;
inline constexpr uint8_t kOpResizeDb = 251;
inline constexpr uint8_t kOpExpireTimeMs = 252;
inline constexpr uint8_t kOpExpireTime = 253;
inline constexpr uint8_t kOpSelectDb = 254;
inline constexpr uint8_t kOpEof = 255;

// Value types (only the string type is supported; the rest are named in errors).
inline constexpr uint8_t kTypeString = 0;

// Length encodings.
inline constexpr uint8_t kLen6 = 0;
inline constexpr uint8_t kLen14 = 1;
inline constexpr uint8_t kLen32 = 0x80;
inline constexpr uint8_t kLen64 = 0x81;
inline constexpr uint8_t kEncVal = 3;  // top two bits 11: special encoding
inline constexpr uint8_t kEncInt8 = 0;
inline constexpr uint8_t kEncInt16 = 1;
inline constexpr uint8_t kEncInt32 = 2;
inline constexpr uint8_t kEncLzf = 3;

// "string", "list", "hash (listpack)", ... for a type byte; "unknown" for others.
std::string rdb_type_name(uint8_t type);

// Appends the length encoding of `len` to *out (1, 2, 5 or 9 bytes).
void append_rdb_length(std::string* out, uint64_t len);
// Encodes the length into buf (at least 9 bytes); returns the number of bytes written.
size_t encode_rdb_length(uint64_t len, unsigned char* buf);

// If `s` is the canonical decimal form of an integer that fits in 32 bits (as Redis's
// rdbTryIntegerEncoding requires), writes its INT8/16/32 encoding into buf (at least 5 bytes) and
// returns its size; otherwise returns 0.
size_t try_encode_rdb_int(std::string_view s, unsigned char* buf);

// `s` for an error message: printable ASCII as is, other bytes as \xNN, cut after 64 bytes ("...").
std::string printable(std::string_view s);

}  // namespace rpbench::rdb
