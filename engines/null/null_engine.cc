#include "engines/null/null_engine.h"

namespace rpbench {
namespace {

class NullEngine final : public Engine {
 public:
  std::string_view name() const override { return "null"; }
  uint32_t capabilities() const override { return kCapConcurrentCallers; }
  Status put(std::string_view, std::string_view) override { return Status::Ok(); }
  Status get(std::string_view, std::string*) override { return Status::Ok(); }
  Status del(std::string_view) override { return Status::Ok(); }
};

}  // namespace

EngineEntry null_engine_entry() {
  EngineEntry e;
  e.name = "null";
  e.summary = "does nothing; measures the harness's own per-op overhead";
  e.capabilities = kCapConcurrentCallers;
  e.open = [](const EngineOpenArgs&) -> std::unique_ptr<Engine> { return std::make_unique<NullEngine>(); };
  return e;
}

}  // namespace rpbench
