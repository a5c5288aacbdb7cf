// One hiredis connection (RAII): connect with a timeout, send commands, pipeline them.
//
// Every read and write has a timeout (redisSetTimeout), so a server that stops answering turns
// into an error, never a hang. After an I/O error the connection is broken() for good: the owner
// drops it and opens a new one. hiredis writes with write(2), so the first connection made sets
// SIGPIPE to SIG_IGN if it still has its default action (which would kill the process when a
// server dies mid-write): the write then fails with EPIPE, an error like any other.
#pragma once
#include <hiredis/hiredis.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status_or.h"

namespace rpbench::redis {

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class Connection {
 public:
  // Connects to host:port; kUnavailable naming the address and hiredis's reason when it cannot.
  static StatusOr<std::unique_ptr<Connection>> open(const std::string& host, int port, int connect_timeout_ms,
                                                    int io_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // True after an I/O error (lost connection, timeout, protocol error).
  bool broken() const { return ctx_->err != 0; }
  // hiredis's description of the I/O error, or "" when not broken().
  std::string io_error() const { return broken() ? std::string(ctx_->errstr) : std::string(); }

  // Sends one command and waits for its reply; nullptr on an I/O error (see io_error()).
  Reply command(std::initializer_list<std::string_view> args) { return command_span(args.begin(), args.size()); }
  Reply command(const std::vector<std::string_view>& args) { return command_span(args.data(), args.size()); }

  // Appends a command to the output buffer; nothing is sent until read_reply(). False when the
  // connection is broken.
  bool append(std::initializer_list<std::string_view> args);
  // Sends whatever is buffered and waits for the next reply; nullptr on an I/O error.
  Reply read_reply();

 private:
  explicit Connection(redisContext* ctx) : ctx_(ctx) {}
  Reply command_span(const std::string_view* args, size_t n);
  void fill_argv(const std::string_view* args, size_t n);

  redisContext* ctx_ = nullptr;
  std::vector<const char*> argv_;
  std::vector<size_t> argvlen_;
};

// The reply as text for error messages: an error's message, a status, or its type.
std::string describe_reply(const redisReply* r);

}  // namespace rpbench::redis
