// Byte sizes as people write them: "64M", "1G", "4096". Parsing and printing in one place, for
// every command-line flag and message that takes or shows a size.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status_or.h"

namespace rpbench {

// "256M" -> 268435456. Suffixes K, M, G, T (powers of 1024), case-insensitive; no suffix = bytes.
// kInvalidArgument for anything else, for 0 and on overflow (the message quotes the text).
StatusOr<uint64_t> parse_size(std::string_view text);

// A count of things: decimal digits only, at least `min` ("-1", "1e6", "12k" are refused, never
// wrapped around); kInvalidArgument quoting the text otherwise.
StatusOr<uint64_t> parse_count(std::string_view text, uint64_t min = 1);

// 268435456 -> "256M"; 24034050048 -> "22.4G".
std::string format_size(uint64_t bytes);

// Exact, in the largest binary unit that divides it: 1048576 -> "1 MiB", 65536 -> "64 KiB",
// 1000 -> "1000 bytes" (for descriptions that must not round: a region, a chunk size).
std::string format_size_exact(uint64_t bytes);

}  // namespace rpbench
