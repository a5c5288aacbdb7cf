// ForkStore: the store of the fork-based engines (rdb-fork, rdma-pingpong): a KvStore that does
// not track its digest (Redis pays no such cost per put: verify scans instead), under a THP
// policy that advises the heap as it grows and after every hash-table resize, with the point
// operations as Status values (running out of memory is kResourceExhausted, never a throw).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "engines/kvstore/kvstore.h"
#include "engines/kvstore/thp_policy.h"

namespace rpbench::kvstore {

class ForkStore {
 public:
  // `engine` names the engine in messages.
  ForkStore(std::string_view engine, ThpMode thp);

  // Applies the THP mode (an error when the OS refuses).
  Status apply_thp() { return thp_.apply(); }

  Status put(std::string_view key, std::string_view value);
  Status get(std::string_view key, std::string* value);  // kNotFound for a missing key
  Status del(std::string_view key);                      // kNotFound for a missing key

  // The loader's tick while a recovery fills the store, and what follows a load.
  std::function<void()> load_tick() {
    return [this] { thp_.advise_if_heap_grew(); };
  }
  void after_load();

  KvStore& kv() { return store_; }
  const KvStore& kv() const { return store_; }
  ThpPolicy& thp() { return thp_; }
  const ThpPolicy& thp() const { return thp_; }

 private:
  void after_mutation() {
    if (store_.resizes_started() != resizes_seen_) on_resize();
    thp_.advise_if_heap_grew();
  }
  void on_resize();

  std::string engine_;
  ThpPolicy thp_;
  KvStore store_;
  uint64_t resizes_seen_ = 0;
};

}  // namespace rpbench::kvstore
