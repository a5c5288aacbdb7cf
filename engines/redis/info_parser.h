// Parsing of redis-server's INFO text into named fields, with typed getters.
//
// INFO answers lines of "key:value", "# Section" headers and blank lines (CRLF-terminated). A
// getter for a field that is missing or does not parse as the asked type throws
// std::runtime_error naming the field and the text it found: a figure read from INFO is never a
// silent zero.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace rpbench::redis {

class InfoFields {
 public:
  // Throws std::runtime_error for a line that is neither blank, a "# Section" header nor
  // "key:value" (quoting the line and its number), or for a key given twice.
  static InfoFields parse(std::string_view text);

  bool has(std::string_view key) const { return fields_.find(key) != fields_.end(); }
  size_t size() const { return fields_.size(); }

  // The raw value; throws when the field is missing.
  const std::string& str(std::string_view key) const;
  // A base-10 integer (the whole value); throws when missing or malformed.
  int64_t integer(std::string_view key) const;
  // A decimal number (the whole value); throws when missing or malformed.
  double number(std::string_view key) const;
  // std::nullopt when the field is absent; throws when present but malformed.
  std::optional<int64_t> integer_if_present(std::string_view key) const;
  std::optional<double> number_if_present(std::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

}  // namespace rpbench::redis
