// One key-value operation as the workload generators produce it and the driver executes it.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace rpbench::workloads {

enum class OpType : uint8_t { kRead = 0, kUpdate = 1, kInsert = 2, kDelete = 3, kReadModifyWrite = 4 };
inline constexpr int kOpTypeCount = 5;

// "read", "update", "insert", "delete", "rmw".
std::string_view op_name(OpType type);
// The inverse of op_name; nullopt for any other string.
std::optional<OpType> op_from_name(std::string_view name);

// key_id: the key's id in the key space (make_key turns it into bytes); for scrambled-zipfian
//   this is the scrambled id (OpStream::next(uint64_t*) also gives the unscrambled item number).
// version: 0 for read and delete; for update / insert / rmw a fresh version, unique across the
//   streams of one workload (version 0 is the value written by the load phase).
// value_size: bytes of the value to write (ValueSizer::size_for(key_id, version)); 0 for read
//   and delete.
struct Op {
  OpType type = OpType::kRead;
  uint64_t key_id = 0;
  uint64_t version = 0;
  uint32_t value_size = 0;

  friend bool operator==(const Op&, const Op&) = default;
};

}  // namespace rpbench::workloads
