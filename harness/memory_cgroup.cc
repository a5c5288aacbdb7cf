#include "harness/memory_cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "base/errno_text.h"
#include "base/unique_fd.h"

namespace rpbench {
namespace {

StatusOr<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return errno_status("cannot read " + path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// One write(2) of `text`, as cgroup files want: the kernel's answer is the write's errno.
Status write_text(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return errno_status("cannot open " + path);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return errno_status("writing \"" + text + "\" to " + path);
  return Status::Ok();
}

bool has_word(const std::string& list, const std::string& word) {
  std::istringstream in(list);
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

// The cgroup v2 path in /proc/self/cgroup ("0::/user.slice/..."), or empty.
std::optional<std::string> own_cgroup2_path(const std::string& self_cgroup) {
  std::ifstream in(self_cgroup);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return std::nullopt;
}

std::optional<uint64_t> read_number(const std::string& path) {
  StatusOr<std::string> t = read_text(path);
  if (!t.ok()) return std::nullopt;
  try {
    return std::stoull(*t);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

StatusOr<std::string> find_cgroup2_memory_root(const std::string& mountinfo, const std::string& self_cgroup) {
  std::ifstream in(mountinfo);
  if (!in) return Status::FailedPrecondition("cannot read " + mountinfo + ": " + errno_text());
  std::string line, mount_point;
  while (std::getline(in, line)) {
    // "36 25 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw": the mount point is the fifth
    // field, the file system type the first after " - ".
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream after(line.substr(dash + 3));
    std::string fstype;
    after >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream before(line.substr(0, dash));
    std::string field;
    for (int i = 0; i < 5 && before >> field; ++i) {}
    mount_point = field;
    break;
  }
  if (mount_point.empty()) return Status::FailedPrecondition("no cgroup v2 file system is mounted");
  if (!own_cgroup2_path(self_cgroup))
    return Status::FailedPrecondition("this process has no cgroup v2 path in " + self_cgroup);
  StatusOr<std::string> controllers = read_text(mount_point + "/cgroup.controllers");
  if (!controllers.ok()) return Status::FailedPrecondition(controllers.status().message());
  if (!has_word(*controllers, "memory"))
    return Status::FailedPrecondition("cgroup v2 at " + mount_point +
                                      " has no memory controller (it is bound to a cgroup v1 hierarchy, or disabled)");
  return mount_point;
}

// Removes <root>/rpbench-<pid> groups whose process is gone: a run the OOM killer (or anyone's
// SIGKILL) ended could not remove its own. An empty group is removed by rmdir; one still holding
// a process (its pid reused by another rpbench's child) is left alone, and so is every other name.
void remove_groups_of_dead_owners(const std::string& root) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("rpbench-", 0) != 0) continue;
    const std::string digits = name.substr(8);
    pid_t pid = 0;
    const auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (err != std::errc() || end != digits.data() + digits.size() || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to tell
    ::rmdir(entry.path().c_str());
  }
}

StatusOr<std::unique_ptr<MemoryCgroup>> MemoryCgroup::enter(const std::string& root, uint64_t max_bytes,
                                                            const std::string& self_cgroup) {
  const std::optional<std::string> own = own_cgroup2_path(self_cgroup);
  if (!own) return Status::FailedPrecondition("this process has no cgroup v2 path in " + self_cgroup);
  const std::string home = *own == "/" ? root : root + *own;
  StatusOr<std::string> enabled = read_text(root + "/cgroup.subtree_control");
  if (!enabled.ok()) return enabled.status();
  if (!has_word(*enabled, "memory"))
    if (Status s = write_text(root + "/cgroup.subtree_control", "+memory"); !s.ok())
      return s.with_context("enabling the memory controller: ");
  remove_groups_of_dead_owners(root);
  const std::string path = root + "/rpbench-" + std::to_string(::getpid());
  ::rmdir(path.c_str());  // left by an earlier process with this pid (empty, or this fails harmlessly)
  if (::mkdir(path.c_str(), 0755) != 0) return errno_status("cannot create cgroup " + path);
  std::unique_ptr<MemoryCgroup> cg(new MemoryCgroup(path, home));
  Status s = write_text(path + "/memory.max", std::to_string(max_bytes));
  if (s.ok() && ::access((path + "/memory.swap.max").c_str(), F_OK) == 0)
    s = write_text(path + "/memory.swap.max", "0");
  if (s.ok()) s = write_text(path + "/cgroup.procs", "0");
  if (!s.ok()) return s;  // cg's destructor removes the group
  return cg;
}

MemoryCgroup::~MemoryCgroup() {
  (void)write_text(home_ + "/cgroup.procs", "0");
  ::rmdir(path_.c_str());
}

nlohmann::json MemoryCgroup::figures() const {
  auto num = [](const std::optional<uint64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j{{"current_bytes", num(read_number(path_ + "/memory.current"))},
                   {"peak_bytes", num(read_number(path_ + "/memory.peak"))}};
  nlohmann::json events = nlohmann::json::object();
  if (StatusOr<std::string> t = read_text(path_ + "/memory.events"); t.ok()) {
    std::istringstream in(*t);
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value)
      if (key == "max" || key == "oom" || key == "oom_kill") events[key] = value;
  }
  j["events"] = events;
  return j;
}

}  // namespace rpbench
