#include "workloads/op.h"

namespace rpbench::workloads {

std::string_view op_name(OpType type) {
  switch (type) {
    case OpType::kRead: return "read";
    case OpType::kUpdate: return "update";
    case OpType::kInsert: return "insert";
    case OpType::kDelete: return "delete";
    case OpType::kReadModifyWrite: return "rmw";
  }
  return "unknown";
}

std::optional<OpType> op_from_name(std::string_view name) {
  for (int i = 0; i < kOpTypeCount; ++i) {
    const auto type = static_cast<OpType>(i);
    if (op_name(type) == name) return type;
  }
  return std::nullopt;
}

}  // namespace rpbench::workloads
