// Server: the memory node's socket side (rpbench-memnode). Owns the regions and serves the wire
// protocol of transport/protocol.h on a TCP listener (tcp clients) and, optionally, on a unix
// socket (shm clients get the region's memfd; plain requests work there too). One thread per
// connection: a client that stalls, sends garbage or vanishes mid-payload only ever occupies its
// own thread, and connections are capped (ServerOptions) so that clients without the token cannot
// take every descriptor or thread: a hello must arrive whole within handshake_timeout_ms. Every request is checked with
// protocol::check_range before a byte of the region is touched; an error goes to that client only. The verbs side is
// VerbsListener (verbs_listener.h), which main.cc runs next to a Server over the same regions.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status_or.h"
#include "base/unique_fd.h"
#include "transport/memnode/region.h"

namespace rpbench::transport::memnode {

struct ServerOptions {
  std::string listen_address = "127.0.0.1";  // an IPv4 or IPv6 literal, or a host name
  uint16_t port = 0;                         // 0: any free port (see Server::tcp_port())
  std::string unix_path;                     // "": no unix socket; "auto": a fresh private 0700
                                             // directory under $TMPDIR (else /tmp); else this path
  std::string token;                         // required: 1..protocol::kMaxTokenBytes bytes
  int handshake_timeout_ms = 10000;          // a connection whose whole Hello has not arrived by then is dropped
  int max_handshakes = 64;                   // connections still in their handshake, at most
  int max_connections = 512;                 // connections in all, at most (more are closed at once)
  std::string facts;                         // sent with every accepted hello (protocol::encode_node_facts)
};

class Server {
 public:
  // Binds and listens (nothing is served until run()). kInvalidArgument for a bad token, no
  // regions, or an address or socket path that cannot be used; the failed call's Status (naming
  // the address or path) when a socket cannot be made, bound or listened on.
  static StatusOr<std::unique_ptr<Server>> open(std::vector<std::unique_ptr<Region>> regions, ServerOptions options);
  // Stops serving (like request_stop() + run() returning), removes the unix socket and the
  // directory it created.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until `stop_fd` (e.g. a signalfd; -1: none) becomes readable or request_stop() is
  // called. Then: stops accepting, shuts down every client socket (pending requests get no reply:
  // clients see EOF), joins every connection thread. Call at most once (kFailedPrecondition
  // otherwise); the poll's errno Status if waiting failed.
  Status run(int stop_fd = -1);
  // Makes run() return soon. Thread-safe and async-signal-safe (an eventfd write).
  void request_stop();

  std::vector<Region*> regions() const;
  const std::string& listen_address() const { return options_.listen_address; }
  uint16_t tcp_port() const { return tcp_port_; }
  std::string tcp_endpoint() const;                            // "ADDR:PORT" ("[v6]:PORT" for IPv6 literals)
  const std::string& unix_path() const { return unix_path_; }  // "" when not serving shm

 private:
  Server(std::vector<std::unique_ptr<Region>> regions, ServerOptions options);
  Status listen();

  struct Connection {
    UniqueFd fd;
    bool unix_socket = false;
    std::string peer;  // the peer's address ("unix" for the unix socket)
    std::chrono::steady_clock::time_point accepted;
    std::atomic<bool> in_handshake{true};  // its hello is still awaited
    std::atomic<bool> done{false};
    std::thread thread;
  };
  // Makes room for a new connection when the caps are reached by connections still in their
  // handshake: the oldest of the peer with the most of them is closed and reaped (a flood of
  // silent connections from one address evicts itself, and a client whose hello arrives at once
  // is never starved by it). False when there is nothing to evict.
  bool evict_one_handshake();

  void accept_one(int listen_fd, bool unix_socket);
  void reap_finished(bool all);
  void serve_connection(Connection& c);  // serve(), then end the connection whatever happened
  void serve(Connection& c);

  std::vector<std::unique_ptr<Region>> regions_;
  ServerOptions options_;
  UniqueFd tcp_listener_;
  UniqueFd unix_listener_;
  UniqueFd wake_fd_;  // eventfd: request_stop()
  uint16_t tcp_port_ = 0;
  std::string unix_path_;
  std::string unix_dir_;  // the private directory made for "auto" (removed at destruction)

  std::mutex mu_;
  bool stopping_ = false;
  std::list<std::unique_ptr<Connection>> connections_;  // guarded by mu_
  std::atomic<int> handshaking_{0};                     // connections whose hello is still awaited
  bool ran_ = false;
};

}  // namespace rpbench::transport::memnode
