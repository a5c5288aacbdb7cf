// The remote-memory KV contest's score (shared/seeds/004): the sum of the times of its four phases
// (write, delete, rewrite, mixed), lower is better. A result of the `contest` workload preset
// carries it ("contest_score") and `rpbench run` prints it last.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/result.h"

namespace rpbench {

struct ContestScore {
  double seconds = 0;
  std::vector<std::pair<std::string, double>> phases;  // name, seconds, in the contest's order
};

// The score when the config used the contest preset and all four of its phases ran; else nullopt.
std::optional<ContestScore> contest_score(const Result& r);
nlohmann::json to_json(const ContestScore& s);

}  // namespace rpbench
