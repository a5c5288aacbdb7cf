// One declared configuration field: name, type, default, allowed range, one line of help.
//
// Every option of an experiment config is declared exactly once as a Field. Parsing, validation,
// defaults, `rpbench validate`, `rpbench list --fields` and docs/config.md all come from these
// declarations (fio's option table is the model). Parts declare their own fields: the harness its
// sections, each engine its options (engines/<name>/), and the registry collects them.
#pragma once
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rpbench::config {

enum class FieldType {
  kBool,
  kInt,        // integral JSON number within [min, max]
  kNumber,     // any JSON number within [min, max]
  kString,
  kEnum,       // one of `choices`
  kNumberList, // array of numbers, each within [min, max]
  kBuckets,    // array of [lo, hi, weight] triples: lo <= hi within [min, max], weights summing to 1
  kObject,     // an object whose own fields are declared elsewhere (phase overrides)
};

struct Field {
  std::string path;  // dotted path relative to its section, e.g. "mix.read"
  FieldType type = FieldType::kNumber;
  nlohmann::json default_value;  // null means "no default": the field is optional and absent
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for kEnum
  std::string help;
  bool min_exclusive = false;  // the range is (min, max] rather than [min, max]
};

// Field builders, so declarations read as one line each.
inline Field Bool(std::string path, bool def, std::string help) {
  return Field{std::move(path), FieldType::kBool, def, 0, 1, {}, std::move(help)};
}
inline Field Int(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kInt, std::move(def), min, max, {}, std::move(help)};
}
inline Field Number(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kNumber, std::move(def), min, max, {}, std::move(help)};
}
inline Field String(std::string path, nlohmann::json def, std::string help) {
  return Field{std::move(path), FieldType::kString, std::move(def), 0, 0, {}, std::move(help)};
}
inline Field Enum(std::string path, nlohmann::json def, std::vector<std::string> choices, std::string help) {
  return Field{std::move(path), FieldType::kEnum, std::move(def), 0, 0, std::move(choices), std::move(help)};
}
inline Field NumberList(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kNumberList, std::move(def), min, max, {}, std::move(help)};
}
inline Field Object(std::string path, std::string help) {
  return Field{std::move(path), FieldType::kObject, nullptr, 0, 0, {}, std::move(help)};
}
inline Field Buckets(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kBuckets, std::move(def), min, max, {}, std::move(help)};
}

}  // namespace rpbench::config
