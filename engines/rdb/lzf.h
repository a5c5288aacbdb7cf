// LZF decompression (the format of liblzf, which Redis uses for compressed RDB strings).
#pragma once
#include <cstddef>

namespace rpbench::rdb {

// Decompresses `in` into exactly `out_len` bytes at `out`. Returns false when the input is
// malformed (a back reference before the start, a run past either end) or does not produce
// exactly out_len bytes.
bool lzf_decompress(const void* in, size_t in_len, void* out, size_t out_len);

}  // namespace rpbench::rdb
