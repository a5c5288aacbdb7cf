// Writing and reading result files. Results are written to a temporary name in the target
// directory, fsync'ed and renamed into place, so a reader never sees a half-written file.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace rpbench {

inline constexpr int kResultSchemaVersion = 1;

// Writes `doc` (pretty-printed) to `path` atomically; creates the parent directory if needed.
// Throws std::runtime_error naming the path and the OS error when it cannot.
void write_json_atomic(const std::string& path, const nlohmann::json& doc);

}  // namespace rpbench
