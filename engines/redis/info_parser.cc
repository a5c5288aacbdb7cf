#include "engines/redis/info_parser.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace rpbench::redis {

StatusOr<InfoFields> InfoFields::parse(std::string_view text) {
  InfoFields out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::IoError("redis INFO: line " + std::to_string(line_no) + " '" + std::string(line) +
                             "' is not key:value");
    }
    auto [it, inserted] = out.fields_.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    if (!inserted) {
      return Status::IoError("redis INFO: field '" + it->first + "' appears twice (line " + std::to_string(line_no) +
                             ")");
    }
  }
  return out;
}

StatusOr<std::string> InfoFields::str(std::string_view key) const {
  auto it = fields_.find(key);
  if (it == fields_.end()) return Status::IoError("redis INFO: field '" + std::string(key) + "' is missing");
  return it->second;
}

StatusOr<int64_t> InfoFields::integer(std::string_view key) const {
  StatusOr<std::string> v = str(key);
  if (!v.ok()) return v.status();
  int64_t x = 0;
  const char* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, x);
  if (v->empty() || ec != std::errc() || p != end) {
    return Status::IoError("redis INFO: field '" + std::string(key) + "' is '" + *v + "', not an integer");
  }
  return x;
}

StatusOr<double> InfoFields::number(std::string_view key) const {
  StatusOr<std::string> v = str(key);
  if (!v.ok()) return v.status();
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(v->c_str(), &end);
  if (v->empty() || errno != 0 || end != v->c_str() + v->size()) {
    return Status::IoError("redis INFO: field '" + std::string(key) + "' is '" + *v + "', not a number");
  }
  return x;
}

StatusOr<std::optional<int64_t>> InfoFields::integer_if_present(std::string_view key) const {
  if (!has(key)) return std::optional<int64_t>();
  StatusOr<int64_t> v = integer(key);
  if (!v.ok()) return v.status();
  return std::optional<int64_t>(*v);
}

StatusOr<std::optional<double>> InfoFields::number_if_present(std::string_view key) const {
  if (!has(key)) return std::optional<double>();
  StatusOr<double> v = number(key);
  if (!v.ok()) return v.status();
  return std::optional<double>(*v);
}

}  // namespace rpbench::redis
