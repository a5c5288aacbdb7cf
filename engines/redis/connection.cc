#include "engines/redis/connection.h"

#include <signal.h>
#include <sys/time.h>

namespace rpbench::redis {
namespace {

timeval to_timeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): on a socket whose peer died, that raises SIGPIPE, whose default
// action kills the process. A network client wants EPIPE instead, as redis-benchmark does.
void ignore_sigpipe_if_default() {
  struct sigaction old {};
  if (::sigaction(SIGPIPE, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) return;
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  ::sigaction(SIGPIPE, &ign, nullptr);
}

}  // namespace

StatusOr<std::unique_ptr<Connection>> Connection::open(const std::string& host, int port, int connect_timeout_ms,
                                                       int io_timeout_ms) {
  ignore_sigpipe_if_default();
  const std::string address = host + ":" + std::to_string(port);
  redisContext* ctx = redisConnectWithTimeout(host.c_str(), port, to_timeval(connect_timeout_ms));
  if (ctx == nullptr) return Status::ResourceExhausted("redis: cannot allocate a connection to " + address);
  std::unique_ptr<Connection> c(new Connection(ctx));  // owns ctx from here on
  if (ctx->err != 0) return Status::Unavailable("redis: cannot connect to " + address + ": " + ctx->errstr);
  if (redisSetTimeout(ctx, to_timeval(io_timeout_ms)) != REDIS_OK)
    return Status::IoError("redis: cannot set the I/O timeout on " + address + ": " + ctx->errstr);
  return c;
}

Connection::~Connection() { redisFree(ctx_); }

void Connection::fill_argv(const std::string_view* args, size_t n) {
  argv_.resize(n);
  argvlen_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    argv_[i] = args[i].data();
    argvlen_[i] = args[i].size();
  }
}

Reply Connection::command_span(const std::string_view* args, size_t n) {
  if (broken()) return nullptr;
  fill_argv(args, n);
  return Reply(static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(n), argv_.data(), argvlen_.data())));
}

bool Connection::append(std::initializer_list<std::string_view> args) {
  if (broken()) return false;
  fill_argv(args.begin(), args.size());
  return redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv_.data(), argvlen_.data()) == REDIS_OK;
}

Reply Connection::read_reply() {
  if (broken()) return nullptr;
  void* r = nullptr;
  if (redisGetReply(ctx_, &r) != REDIS_OK) return nullptr;
  return Reply(static_cast<redisReply*>(r));
}

std::string describe_reply(const redisReply* r) {
  if (r == nullptr) return "no reply";
  switch (r->type) {
    case REDIS_REPLY_ERROR:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING: return std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER: return "integer " + std::to_string(r->integer);
    case REDIS_REPLY_NIL: return "nil";
    case REDIS_REPLY_ARRAY: return "array of " + std::to_string(r->elements);
    default: return "reply of type " + std::to_string(r->type);
  }
}

}  // namespace rpbench::redis
