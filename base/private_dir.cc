#include "base/private_dir.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "base/errno_text.h"

namespace rpbench {

namespace {

constexpr const char* kOwnerFile = ".owner";

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); "" when unreadable.
std::string start_time_of(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return "";
  const size_t close = line.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

}  // namespace

std::string owner_stamp() {
  const long pid = static_cast<long>(::getpid());
  return std::to_string(pid) + " " + start_time_of(pid);
}

bool owner_alive(const std::string& stamp) {
  std::istringstream in(stamp);
  long pid = 0;
  std::string start;
  if (!(in >> pid >> start) || pid <= 0) return true;  // unreadable: assume alive, never remove
  return start_time_of(pid) == start;
}

StatusOr<PrivateDir> PrivateDir::create(const std::string& parent, const std::string& prefix,
                                        const std::string& field) {
  if (parent.empty()) return Status::InvalidArgument(field + ": must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return Status::InvalidArgument(field + ": cannot create '" + parent + "': " + ec.message());
  PrivateDir d;
  // Directories of this prefix whose owner died (SIGKILL) are removed first.
  for (const auto& entry : std::filesystem::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) != 0 || !entry.is_directory(ec)) continue;
    std::ifstream owner(entry.path() / kOwnerFile);
    std::string stamp;
    if (!std::getline(owner, stamp) || owner_alive(stamp)) continue;
    std::error_code rm;
    std::filesystem::remove_all(entry.path(), rm);
    if (!rm) d.removed_stale_.push_back(entry.path().string());
  }
  std::string tmpl = parent + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    return Status::InvalidArgument(field + ": cannot create a private directory in '" + parent + "': " + errno_text());
  d.path_ = tmpl;
  d.owner_pid_ = static_cast<long>(::getpid());
  std::ofstream owner(d.path_ + "/" + kOwnerFile);
  owner << owner_stamp() << "\n";
  if (!owner.flush()) return Status::IoError(field + ": cannot write " + d.path_ + "/" + kOwnerFile);
  return d;
}

PrivateDir::~PrivateDir() { remove(); }

PrivateDir::PrivateDir(PrivateDir&& o) noexcept
    : path_(std::exchange(o.path_, {})),
      owner_pid_(o.owner_pid_),
      keep_(o.keep_),
      removed_stale_(std::move(o.removed_stale_)) {}

PrivateDir& PrivateDir::operator=(PrivateDir&& o) noexcept {
  if (this != &o) {
    remove();
    path_ = std::exchange(o.path_, {});
    owner_pid_ = o.owner_pid_;
    keep_ = o.keep_;
    removed_stale_ = std::move(o.removed_stale_);
  }
  return *this;
}

void PrivateDir::remove() {
  if (path_.empty()) return;
  if (!keep_ && owner_pid_ == static_cast<long>(::getpid())) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  path_.clear();
}

}  // namespace rpbench
