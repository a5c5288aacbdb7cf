// Reading a config: the file (JSON with comments), `--set` overrides, presets, validation against
// the declarations, defaults. The result is the resolved config: every declared field present
// (but for those with no default), checked, and echoed into every result.
//
// Every error is a ConfigError naming the JSON path and what was expected.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rpbench::config {

// Reads and parses a config file; comments are allowed. Errors name the file, and for invalid
// JSON the line and column.
nlohmann::json read_config_file(const std::string& path);

// Parses a config's text (what read_config_file read from the file `name`); errors name `name`,
// and for invalid JSON the line and column.
nlohmann::json parse_config_text(const std::string& text, const std::string& name);

// Applies one `--set PATH=VALUE` override. PATH is dotted ("measure.rate", "phases.1.duration_s",
// "phases[1].duration_s"); VALUE is parsed as JSON when it parses, else taken as a string.
void apply_set(nlohmann::json& doc, const std::string& assignment);

// Expands presets, validates every field, checks the engine's capabilities against what the
// phases ask, fills defaults. Returns the resolved config.
nlohmann::json resolve_config(const nlohmann::json& user);

// All of the above: file, then overrides in order, then resolve.
nlohmann::json load_config(const std::string& path, const std::vector<std::string>& sets);
// The same from a config's text (`name` is what errors call it): what load_config does after
// reading the file.
nlohmann::json load_config_text(const std::string& text, const std::string& name, const std::vector<std::string>& sets);

// Levenshtein distance, for did-you-mean suggestions.
size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rpbench::config
