#include "workloads/keys.h"

namespace rpbench::workloads {
std::string make_key(uint64_t key_id, uint32_t key_size) {
  std::string key(key_size, '\0');
  make_key(key_id, key_size, key.data());
  return key;
}

}  // namespace rpbench::workloads
