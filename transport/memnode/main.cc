// rpbench-memnode: the memory node (../shared/DESIGN.md, "Transport"). Holds N regions, serves tcp clients
// on ADDRESS:PORT, shm clients on a unix socket and, with --verbs, rdma_cm clients; prints one
// ready line on stdout; stops cleanly on SIGTERM / SIGINT (exit 0). The token comes from the
// environment (RPBENCH_MEMNODE_TOKEN) only, never from argv, which any user can read with ps.
// Exit status: 0 after a clean stop, 2 for bad usage, 1 when the node cannot start.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/config_error.h"
#include "base/errno_text.h"
#include "base/host_facts.h"
#include "base/meminfo.h"
#include "base/sizes.h"
#include "base/token.h"
#include "base/unique_fd.h"
#include "transport/memnode/region.h"
#include "transport/memnode/server.h"
#include "transport/memnode/verbs_listener.h"
#include "transport/protocol.h"

namespace {

using rpbench::errno_text;
using rpbench::transport::Region;
namespace memnode = rpbench::transport::memnode;
namespace protocol = rpbench::transport::protocol;

constexpr const char* kUsage =
    "usage: rpbench-memnode [--listen ADDR] [--port N] [--unix PATH|auto|none] [--verbs]\n"
    "                       [--regions N] [--region-bytes SIZE] [--prefault] [--region-dir DIR]\n"
    "                       [--handshake-timeout-ms MS] [--max-connections N] [--help]\n"
    "\n"
    "The memory node of rpbench: N regions of SIZE bytes each, served over TCP on ADDR:PORT,\n"
    "to shm clients on a unix socket, and (--verbs) to RDMA clients through rdma_cm.\n"
    "\n"
    "  --listen ADDR       address to listen on (default 127.0.0.1; another one only when given)\n"
    "  --port N            TCP port, 0 = any free port (default 0); --verbs uses the same number\n"
    "  --unix PATH         unix socket for shm clients: a path, 'auto' (a fresh private directory\n"
    "                      under $TMPDIR, removed at exit; the default) or 'none'\n"
    "  --verbs             also serve RDMA clients (rdma_cm on ADDR and the bound TCP port)\n"
    "  --regions N         number of regions, 1..1024 (default 1)\n"
    "  --region-bytes SIZE bytes per region, with an optional K, M, G or T suffix (powers of\n"
    "                      1024; default 1G)\n"
    "  --prefault          allocate and touch every page at start (default: lazily, on first use);\n"
    "                      refused when the regions are larger than the machine's MemAvailable\n"
    "  --region-dir DIR    back region i by the file DIR/region-i (created, or reused at exactly\n"
    "                      SIZE bytes) instead of anonymous memory: a node started again on DIR\n"
    "                      holds the same bytes (use tmpfs, e.g. /dev/shm; trusted clients only:\n"
    "                      a file's size cannot be sealed against shm clients)\n"
    "  --handshake-timeout-ms MS  a connection's whole hello must arrive within MS (default 10000)\n"
    "  --max-connections N tcp and unix connections served at once, 1..65536 (default 512; at most\n"
    "                      64 of them still in their handshake); more are closed at once\n"
    "  --help              this text\n"
    "\n"
    "The shared token is read from the environment variable RPBENCH_MEMNODE_TOKEN (1..32 bytes);\n"
    "it is never taken from the command line. When ready, one line is printed on stdout:\n"
    "  rpbench-memnode ready pid=P tcp=ADDR:PORT unix=PATH|- verbs=ADDR:PORT|- regions=N\n"
    "  region_bytes=B prefault=0|1 prefault_ms=MS region_dir=DIR|-\n"
    "Regions larger than the machine's memory start lazily with a warning on stderr; a tcp write\n"
    "the node cannot back (MemAvailable below 256 MiB) fails that request, not the machine.\n"
    "SIGTERM or SIGINT stops the node (exit 0).\n";

using UsageError = rpbench::config::ConfigError;  // a bad flag or environment: one line, exit 2

struct Flags {
  std::string listen = "127.0.0.1";
  uint16_t port = 0;
  std::string unix_path = "auto";
  bool verbs = false;
  uint32_t regions = 1;
  uint64_t region_bytes = 1ull << 30;
  bool prefault = false;
  std::string region_dir;
  int handshake_timeout_ms = 10000;
  int max_connections = 512;
  bool help = false;
};

uint64_t parse_uint(std::string_view flag, const std::string& text, uint64_t max) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(std::string(flag) + ": expected a non-negative integer, got '" + text + "'");
  errno = 0;
  unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v > max)
    throw UsageError(std::string(flag) + ": " + text + " is larger than " + std::to_string(max));
  return v;
}

uint64_t parse_size(std::string_view flag, const std::string& text) {
  rpbench::StatusOr<uint64_t> v = rpbench::parse_size(text);
  if (!v.ok()) throw UsageError(std::string(flag) + ": " + v.status().message());
  return *v;
}

Flags parse_flags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      auto eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg.resize(eq);
      }
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) throw UsageError(arg + ": missing value");
      return argv[++i];
    };
    auto no_value = [&] {
      if (inline_value) throw UsageError(arg + ": takes no value");
    };
    if (arg == "--help" || arg == "-h") {
      no_value();
      f.help = true;
    } else if (arg == "--listen") {
      f.listen = value();
      if (f.listen.empty()) throw UsageError("--listen: empty address");
    } else if (arg == "--port") {
      f.port = static_cast<uint16_t>(parse_uint("--port", value(), 65535));
    } else if (arg == "--unix") {
      f.unix_path = value();
      if (f.unix_path.empty()) throw UsageError("--unix: expected a path, 'auto' or 'none'");
    } else if (arg == "--verbs") {
      no_value();
      f.verbs = true;
    } else if (arg == "--regions") {
      f.regions = static_cast<uint32_t>(parse_uint("--regions", value(), 1024));
      if (f.regions == 0) throw UsageError("--regions: must be at least 1");
    } else if (arg == "--region-bytes") {
      f.region_bytes = parse_size("--region-bytes", value());
    } else if (arg == "--handshake-timeout-ms") {
      f.handshake_timeout_ms = static_cast<int>(parse_uint("--handshake-timeout-ms", value(), 3600000));
      if (f.handshake_timeout_ms == 0) throw UsageError("--handshake-timeout-ms: must be at least 1");
    } else if (arg == "--max-connections") {
      f.max_connections = static_cast<int>(parse_uint("--max-connections", value(), 65536));
      if (f.max_connections == 0) throw UsageError("--max-connections: must be at least 1");
    } else if (arg == "--region-dir") {
      f.region_dir = value();
      if (f.region_dir.empty()) throw UsageError("--region-dir: expected a directory");
    } else if (arg == "--prefault") {
      no_value();
      f.prefault = true;
    } else {
      throw UsageError("unknown argument '" + arg + "' (see --help)");
    }
  }
  return f;
}

std::string token_from_env() {
  const std::string token = rpbench::token_or_env("");  // the environment only, never argv
  if (token.empty())
    throw UsageError(std::string("no token: set ") + protocol::kTokenEnv + " (1.." +
                     std::to_string(protocol::kMaxTokenBytes) + " bytes) in the environment");
  if (token.size() > protocol::kMaxTokenBytes)
    throw UsageError(std::string(protocol::kTokenEnv) + " is " + std::to_string(token.size()) +
                     " bytes long, at most " + std::to_string(protocol::kMaxTokenBytes) + " are allowed");
  return token;
}

int serve(const Flags& f, const std::string& token) {
  // Block the stop signals before any thread exists, so every thread inherits the mask and they
  // arrive only through the signalfd.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) throw std::runtime_error("pthread_sigmask failed");
  rpbench::UniqueFd stop_fd(::signalfd(-1, &stop_signals, SFD_CLOEXEC));
  if (!stop_fd) throw std::runtime_error(std::string("signalfd: ") + errno_text());
  ::signal(SIGPIPE, SIG_IGN);  // a vanished client is an error value on its own socket, not a signal

  // Never more than the machine has: a pre-faulted region is allocated at once (refused when it
  // does not fit), a lazy one as clients write (a warning now, and refused writes later).
  const uint64_t total = static_cast<uint64_t>(f.regions) * f.region_bytes;
  const std::optional<int64_t> avail = rpbench::mem_available_bytes();
  if (avail && total > static_cast<uint64_t>(*avail)) {
    const std::string figures = std::to_string(f.regions) + " region(s) of " + std::to_string(f.region_bytes) +
                                " bytes (" + std::to_string(total >> 20) + " MiB) but the machine has " +
                                std::to_string(*avail >> 20) + " MiB available";
    if (f.prefault) throw UsageError("--prefault: " + figures + "; nothing was allocated");
    std::fprintf(stderr,
                 "rpbench-memnode: warning: %s; the regions are lazy, and writes the node cannot back "
                 "will fail\n",
                 figures.c_str());
  }
  if (!f.region_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(f.region_dir, ec);
    if (ec) throw std::runtime_error("--region-dir " + f.region_dir + ": " + ec.message());
  }
  std::vector<std::unique_ptr<Region>> regions;
  double prefault_ms = 0;
  for (uint32_t i = 0; i < f.regions; ++i) {
    const std::string file = f.region_dir.empty() ? "" : f.region_dir + "/region-" + std::to_string(i);
    rpbench::StatusOr<std::unique_ptr<Region>> region = Region::create(i, f.region_bytes, f.prefault, file);
    if (!region.ok()) throw std::runtime_error(region.status().message());
    regions.push_back(std::move(*region));
    prefault_ms += regions.back()->prefault_ms();
  }

  memnode::ServerOptions options;
  options.listen_address = f.listen;
  options.port = f.port;
  options.unix_path = f.unix_path == "none" ? "" : f.unix_path;
  options.token = token;
  options.handshake_timeout_ms = f.handshake_timeout_ms;
  options.max_connections = f.max_connections;
  options.max_handshakes = std::min(options.max_handshakes, f.max_connections);
  const rpbench::HostFacts host = rpbench::host_facts();
  options.facts =
      rpbench::transport::protocol::encode_node_facts({{"host", host.host},
                                                       {"kernel", host.kernel},
                                                       {"cores", std::to_string(host.cores)},
                                                       {"memory_bytes", std::to_string(host.memory_bytes)},
                                                       {"regions", std::to_string(f.regions)},
                                                       {"region_bytes", std::to_string(f.region_bytes)},
                                                       {"allocation", !f.region_dir.empty() ? "file"
                                                                      : f.prefault          ? "pre-faulted"
                                                                                            : "lazy"},
                                                       {"cpu_model", host.cpu_model}});  // last: the longest, cut first
  rpbench::StatusOr<std::unique_ptr<memnode::Server>> opened_server =
      memnode::Server::open(std::move(regions), options);
  if (!opened_server.ok()) throw std::runtime_error(opened_server.status().message());
  memnode::Server& server = **opened_server;

  std::string verbs_endpoint = "-";
  std::unique_ptr<rpbench::transport::VerbsListener> verbs;
  if (f.verbs) {
    rpbench::StatusOr<std::unique_ptr<rpbench::transport::VerbsListener>> opened =
        rpbench::transport::VerbsListener::open(server.regions(), f.listen, server.tcp_port(), token);
    if (!opened.ok()) throw std::runtime_error(opened.status().message());
    verbs = std::move(*opened);
    verbs_endpoint = verbs->endpoint();
  }

  char prefault_text[32];
  std::snprintf(prefault_text, sizeof(prefault_text), "%.1f", prefault_ms);
  std::string line = "rpbench-memnode ready pid=" + std::to_string(::getpid()) + " tcp=" + server.tcp_endpoint() +
                     " unix=" + (server.unix_path().empty() ? "-" : server.unix_path()) + " verbs=" + verbs_endpoint +
                     " regions=" + std::to_string(f.regions) + " region_bytes=" + std::to_string(f.region_bytes) +
                     " prefault=" + (f.prefault ? "1" : "0") + " prefault_ms=" + prefault_text +
                     " region_dir=" + (f.region_dir.empty() ? "-" : f.region_dir) + "\n";
  // Whoever started the node waits for this line: a node that cannot say it is ready must not serve.
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0)
    throw std::runtime_error(std::string("cannot print the ready line on stdout: ") + errno_text());

  if (rpbench::Status s = server.run(stop_fd.get()); !s.ok()) throw std::runtime_error(s.message());
  return 0;  // the verbs listener, the server and the regions go away in reverse order
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  std::string token;
  try {
    flags = parse_flags(argc, argv);
    if (flags.help) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    token = token_from_env();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "rpbench-memnode: %s\n", e.what());
    return 2;
  }
  try {
    return serve(flags, token);
  } catch (const UsageError& e) {  // flags the machine cannot serve (regions larger than its memory)
    std::fprintf(stderr, "rpbench-memnode: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rpbench-memnode: %s\n", e.what());
    return 1;
  }
}
