// A private directory per engine instance: <parent>/<prefix>-XXXXXX, created with mkdtemp (the
// parent is created if missing). Engines keep their files there and remove it when they close.
#pragma once
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace rpbench {

// Throws std::runtime_error naming engine.dir when it cannot.
inline std::string make_private_dir(const std::string& parent, const std::string& prefix) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw std::runtime_error("engine.dir: cannot create '" + parent + "': " + ec.message());
  const std::string tmpl = parent + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("engine.dir: cannot create a private directory in '" + parent +
                             "': " + std::strerror(errno));
  return std::string(buf.data());
}

}  // namespace rpbench
