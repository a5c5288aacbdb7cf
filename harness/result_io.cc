#include "harness/result_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "base/errno_text.h"
#include "base/unique_fd.h"

namespace rpbench {

namespace {
std::runtime_error os_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + errno_text());
}
}  // namespace

void write_json_atomic(const std::string& path, const nlohmann::json& doc) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw std::runtime_error("cannot create directory " + target.parent_path().string() + ": " + ec.message());
  }
  const std::string text = doc.dump(2) + "\n";
  std::string tmp_template = path + ".tmp.XXXXXX";
  UniqueFd fd(::mkstemp(tmp_template.data()));
  if (!fd) throw os_error("cannot create temporary file for", path);
  TempPathGuard guard(tmp_template);
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw os_error("cannot write", tmp_template);
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), 0644) != 0) throw os_error("cannot chmod", tmp_template);
  if (::fsync(fd.get()) != 0) throw os_error("cannot fsync", tmp_template);
  fd.reset();
  if (::rename(tmp_template.c_str(), path.c_str()) != 0) throw os_error("cannot rename temporary file to", path);
  guard.release();
}

}  // namespace rpbench
