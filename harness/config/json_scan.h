// A structural scan of a config's JSON text before it is parsed, for what the parser would not
// refuse or would crash on: nesting deeper than kMaxJsonDepth (a recursive parser and the JSON
// value's destructor would exhaust the stack), duplicate keys in one object (the parser keeps the
// last one silently), numbers too large for a double ("1e999"), and invalid UTF-8. The scan
// accepts the // and /* */ comments the config reader allows; what is not JSON at all it leaves
// to the parser, which reports the line and column.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rpbench::config {

inline constexpr size_t kMaxJsonDepth = 64;
inline constexpr size_t kMaxConfigBytes = 16u << 20;

struct JsonProblem {
  std::string path;     // the JSON path of the offending value ("phases[1].type"), or "" at the top
  std::string message;  // what is wrong, with the line and column
};

std::optional<JsonProblem> scan_json_text(std::string_view text);

// Whether `s` is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace rpbench::config
