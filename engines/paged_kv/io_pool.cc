#include "engines/paged_kv/io_pool.h"

namespace rpbench::paged {

StatusOr<std::unique_ptr<IoPool>> IoPool::open(transport::RemoteMemory& remote, int connections,
                                               const measure::AnonMapping& cache, uint32_t page_bytes) {
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(remote.options().io_timeout_ms) + 10000);
  std::unique_ptr<IoPool> pool(new IoPool(timeout));
  for (int i = 0; i < connections; ++i) {
    auto c = std::make_unique<Conn>();
    StatusOr<std::unique_ptr<transport::Transport>> t = remote.connect_again();
    if (!t.ok())
      return t.status().with_context("connection " + std::to_string(i + 1) + " of " + std::to_string(connections) +
                                     ": ");
    c->own = std::move(*t);
    c->t = c->own.get();
    if (Status s = c->t->register_buffer(cache.data(), cache.size(), &c->cache_buf); !s.ok())
      return s.with_context("registering the page cache: ");
    StatusOr<measure::AnonMapping> scratch = measure::AnonMapping::map(page_bytes);
    if (!scratch.ok()) return scratch.status().with_context("a scratch page: ");
    c->scratch = std::move(*scratch);
    if (Status s = c->t->register_buffer(c->scratch.data(), c->scratch.size(), &c->scratch_buf); !s.ok())
      return s.with_context("registering a scratch page: ");
    pool->idle_.push_back(c.get());
    pool->conns_.push_back(std::move(c));
  }
  return pool;
}

IoPool::~IoPool() {
  for (auto& c : conns_) {
    (void)c->t->deregister_buffer(c->cache_buf);
    (void)c->t->deregister_buffer(c->scratch_buf);
  }
}

IoPool::Lease IoPool::borrow() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !idle_.empty(); });
  Conn* c = idle_.back();
  idle_.pop_back();
  return Lease(*this, *c);
}

void IoPool::give_back(Conn* c) {
  {
    std::lock_guard lk(mu_);
    idle_.push_back(c);
  }
  cv_.notify_one();
}

Status IoPool::cache_io(transport::Op op, uint64_t local_off, uint64_t len, uint64_t remote_off) {
  Lease c = borrow();
  return transport::transfer(*c->t, op, c->cache_buf, local_off, len, remote_off, timeout_);
}

}  // namespace rpbench::paged
