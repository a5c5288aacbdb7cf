#include "engines/null/null_engine.h"

namespace rpbench {
namespace {

class NullEngine final : public Engine {
 public:
  NullEngine() : Engine(kNullEngineInfo) {}
  Status put(std::string_view, std::string_view) override { return Status::Ok(); }
  Status get(std::string_view, std::string*) override { return Status::Ok(); }
  Status del(std::string_view) override { return Status::Ok(); }
};

}  // namespace

EngineEntry null_engine_entry() {
  EngineEntry e;
  e.info = kNullEngineInfo;
  e.open = [](const EngineOpenArgs&) -> StatusOr<std::unique_ptr<Engine>> {
    return std::unique_ptr<Engine>(std::make_unique<NullEngine>());
  };
  return e;
}

}  // namespace rpbench
