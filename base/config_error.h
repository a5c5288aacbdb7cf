// ConfigError: bad input found while reading or validating a config or a command line: the one
// exception type of the project (everything else is a Status). Carries the JSON path of the
// offending field (or the flag) so the one-line message names it; the command line turns it into
// exit status 2.
#pragma once
#include <stdexcept>
#include <string>

namespace rpbench::config {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& message) : ConfigError(std::string(), message) {}
  ConfigError(const std::string& path, const std::string& message)
      : std::runtime_error(path.empty() ? message : path + ": " + message), path_(path) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace rpbench::config
