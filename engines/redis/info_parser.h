// Parsing of redis-server's INFO text into named fields, with typed getters.
//
// INFO answers lines of "key:value", "# Section" headers and blank lines (CRLF-terminated). The
// text comes from the server, so every failure is a Status (kIoError: the server answered
// something this parser cannot use) naming the field and the text it found: a figure read from
// INFO is never a silent zero.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status_or.h"

namespace rpbench::redis {

class InfoFields {
 public:
  // kIoError for a line that is neither blank, a "# Section" header nor "key:value" (quoting the
  // line and its number), or for a key given twice.
  static StatusOr<InfoFields> parse(std::string_view text);

  bool has(std::string_view key) const { return fields_.find(key) != fields_.end(); }
  size_t size() const { return fields_.size(); }

  // The raw value; kIoError when the field is missing.
  StatusOr<std::string> str(std::string_view key) const;
  // A base-10 integer (the whole value); kIoError when missing or malformed.
  StatusOr<int64_t> integer(std::string_view key) const;
  // A decimal number (the whole value); kIoError when missing or malformed.
  StatusOr<double> number(std::string_view key) const;
  // std::nullopt when the field is absent; kIoError when present but malformed.
  StatusOr<std::optional<int64_t>> integer_if_present(std::string_view key) const;
  StatusOr<std::optional<double>> number_if_present(std::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

}  // namespace rpbench::redis
