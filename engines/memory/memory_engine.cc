#include "engines/memory/memory_engine.h"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/hash.h"
#include "engines/content_digest.h"

namespace rpbench {
namespace {

// Hash maps behind a lock each, so that several client threads can share the engine (the
// all-local reference of paged-kv's thread sweeps); one thread pays an uncontended lock per op.
class MemoryEngine final : public Engine {
 public:
  static constexpr size_t kShards = 64;

  explicit MemoryEngine(size_t expected_keys) : Engine(kMemoryEngineInfo) {
    for (auto& s : shards_) s.map.reserve(expected_keys / kShards + 1);
  }

  Status put(std::string_view key, std::string_view value) override {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    auto [it, inserted] = s.map.try_emplace(std::string(key));
    it->second.assign(value);
    return Status::Ok();
  }
  Status get(std::string_view key, std::string* value) override {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return Status::NotFound();
    value->assign(it->second);
    return Status::Ok();
  }
  Status del(std::string_view key) override {
    Shard& s = shard(key);
    std::lock_guard lk(s.mu);
    auto it = s.map.find(key);
    if (it == s.map.end()) return Status::NotFound();
    s.map.erase(it);
    return Status::Ok();
  }
  StatusOr<std::string> digest() override {
    ContentDigest d;
    for (auto& s : shards_) {
      std::lock_guard lk(s.mu);
      for (const auto& [k, v] : s.map) d.add(k, v);
    }
    return d.hex();
  }
  std::optional<int64_t> size() const override {
    int64_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lk(s.mu);
      n += static_cast<int64_t>(s.map.size());
    }
    return n;
  }
  nlohmann::json report() const override {
    size_t keys = 0, buckets = 0;
    for (auto& s : shards_) {
      std::lock_guard lk(s.mu);
      keys += s.map.size();
      buckets += s.map.bucket_count();
    }
    return {{"keys", keys},
            {"buckets", buckets},
            {"load_factor", buckets ? static_cast<double>(keys) / static_cast<double>(buckets) : 0.0},
            {"shards", kShards}};
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return hash64(k, 0x6d656d6d61703031ull); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, std::string, Hash, std::equal_to<>> map;
  };
  Shard& shard(std::string_view key) { return shards_[hash64(key, 0x6d656d7368617264ull) % kShards]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace

EngineEntry memory_engine_entry() {
  EngineEntry e;
  e.info = kMemoryEngineInfo;
  e.open = [](const EngineOpenArgs& args) -> StatusOr<std::unique_ptr<Engine>> {
    const auto keys = args.experiment.at("dataset").at("keys").get<uint64_t>();
    return std::unique_ptr<Engine>(std::make_unique<MemoryEngine>(static_cast<size_t>(keys)));
  };
  return e;
}

}  // namespace rpbench
