// ConfigError: bad input found while reading or validating a config. Carries the JSON path of
// the offending field so the one-line message names it; main turns it into exit status 2.
#pragma once
#include <stdexcept>
#include <string>

namespace rpbench::config {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& path, const std::string& message)
      : std::runtime_error(path.empty() ? message : path + ": " + message), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace rpbench::config
