#include "engines/memory/memory_engine.h"

#include <string>
#include <unordered_map>

#include "engines/content_digest.h"

namespace rpbench {
namespace {

class MemoryEngine final : public Engine {
 public:
  explicit MemoryEngine(size_t expected_keys) : Engine(kMemoryEngineInfo) { map_.reserve(expected_keys); }

  Status put(std::string_view key, std::string_view value) override {
    auto [it, inserted] = map_.try_emplace(std::string(key));
    it->second.assign(value);
    return Status::Ok();
  }
  Status get(std::string_view key, std::string* value) override {
    auto it = map_.find(std::string(key));
    if (it == map_.end()) return Status::NotFound();
    value->assign(it->second);
    return Status::Ok();
  }
  Status del(std::string_view key) override {
    return map_.erase(std::string(key)) ? Status::Ok() : Status::NotFound();
  }
  StatusOr<std::string> digest() override {
    ContentDigest d;
    for (const auto& [k, v] : map_) d.add(k, v);
    return d.hex();
  }
  std::optional<int64_t> size() const override { return static_cast<int64_t>(map_.size()); }
  nlohmann::json report() const override {
    return {{"keys", map_.size()}, {"buckets", map_.bucket_count()}, {"load_factor", map_.load_factor()}};
  }

 private:
  std::unordered_map<std::string, std::string> map_;
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
