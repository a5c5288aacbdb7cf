#include "harness/contest_score.h"

namespace rpbench {

std::optional<ContestScore> contest_score(const Result& r) {
  const nlohmann::json* wl = r.config.contains("workload") ? &r.config["workload"] : nullptr;
  if (wl == nullptr || !wl->is_object() || wl->value("preset", "") != "contest") return std::nullopt;
  ContestScore s;
  for (const char* name : {"write", "delete", "rewrite", "mixed"}) {
    const PhaseResult* found = nullptr;
    for (const auto& p : r.phases)
      if (p.name == name) found = &p;
    if (found == nullptr) return std::nullopt;
    s.phases.emplace_back(name, found->duration_s);
    s.seconds += found->duration_s;
  }
  return s;
}

nlohmann::json to_json(const ContestScore& s) {
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [name, secs] : s.phases) phases[name] = secs;
  return {{"seconds", s.seconds}, {"phases", phases}};
}

}  // namespace rpbench
