#include "transport/striping.h"

#include <string>
#include <utility>

namespace rpbench::transport::detail {

namespace {

std::string range(uint64_t off, uint64_t len) {
  // Built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::to_string(...).
  std::string s = "[";
  s += std::to_string(off);
  s += ", ";
  s += std::to_string(off);
  s += " + ";
  s += std::to_string(len);
  s += ")";
  return s;
}

}  // namespace

Status BufferTable::check(const void* addr, size_t len, const BufferId* id) {
  if (addr == nullptr) return Status::InvalidArgument("register_buffer: null address");
  if (len == 0) return Status::InvalidArgument("register_buffer: length 0");
  if (id == nullptr) return Status::InvalidArgument("register_buffer: null id");
  return Status::Ok();
}

Status BufferTable::add(void* addr, size_t len, BufferId* id, std::unique_ptr<BufferExtension> extension) {
  if (Status s = check(addr, len, id); !s.ok()) return s;
  BufferId b = next_++;
  buffers_.emplace(b, LocalBuffer{static_cast<uint8_t*>(addr), len, 0, std::move(extension)});
  *id = b;
  return Status::Ok();
}

Status BufferTable::remove(BufferId id) {
  auto it = buffers_.find(id);
  if (it == buffers_.end()) return Status::InvalidArgument("deregister_buffer: unknown buffer " + std::to_string(id));
  if (it->second.users != 0)
    return Status::FailedPrecondition("deregister_buffer: buffer " + std::to_string(id) + " is used by " +
                                      std::to_string(it->second.users) + " transfer(s) in flight");
  buffers_.erase(it);
  return Status::Ok();
}

void BufferTable::abandon() {
  for (auto& [id, b] : buffers_)
    if (b.extension) b.extension->abandon();
  buffers_.clear();
}

LocalBuffer* BufferTable::find(BufferId id) {
  auto it = buffers_.find(id);
  return it == buffers_.end() ? nullptr : &it->second;
}

const LocalBuffer* BufferTable::find(BufferId id) const {
  auto it = buffers_.find(id);
  return it == buffers_.end() ? nullptr : &it->second;
}

Status check_post(const BufferTable& buffers, Op op, BufferId buf, uint64_t local_off, uint64_t len,
                  uint64_t remote_off, uint64_t region_bytes) {
  if (op != Op::kWrite && op != Op::kRead)
    return Status::InvalidArgument("post: unknown op " + std::to_string(static_cast<unsigned>(op)));
  const LocalBuffer* b = buffers.find(buf);
  if (b == nullptr) return Status::InvalidArgument("post: unknown buffer " + std::to_string(buf));
  if (len == 0) return Status::InvalidArgument("post: length 0");
  if (local_off > b->len || len > b->len - local_off)
    return Status::InvalidArgument("post: local range " + range(local_off, len) + " is outside buffer " +
                                   std::to_string(buf) + " of " + std::to_string(b->len) + " bytes");
  if (remote_off > region_bytes || len > region_bytes - remote_off)
    return Status::InvalidArgument("post: remote range " + range(remote_off, len) + " is outside the region of " +
                                   std::to_string(region_bytes) + " bytes");
  return Status::Ok();
}

TransferTable::Id TransferTable::begin(uint64_t tag, uint64_t len, BufferId buf, uint64_t chunks) {
  Id id = next_++;
  Transfer t;
  t.tag = tag;
  t.len = len;
  t.buf = buf;
  t.chunks_left = chunks;
  active_.emplace(id, std::move(t));
  if (LocalBuffer* b = buffers_.find(buf)) ++b->users;
  return id;
}

void TransferTable::chunk_done(Id id, const Status& status) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  Transfer& t = it->second;
  if (!status.ok() && t.status.ok()) t.status = status;
  if (--t.chunks_left != 0) return;
  Completion c;
  c.tag = t.tag;
  c.status = std::move(t.status);
  c.bytes = c.status.ok() ? t.len : 0;
  release(t.buf);
  active_.erase(it);
  ready_.push_back(std::move(c));
}

size_t TransferTable::take(std::span<Completion> out) {
  size_t n = 0;
  while (n < out.size() && !ready_.empty()) {
    out[n++] = std::move(ready_.front());
    ready_.pop_front();
  }
  return n;
}

void TransferTable::clear() {
  for (auto& [id, t] : active_) release(t.buf);
  active_.clear();
  ready_.clear();
}

void TransferTable::release(BufferId buf) {
  if (LocalBuffer* b = buffers_.find(buf); b != nullptr && b->users > 0) --b->users;
}

}  // namespace rpbench::transport::detail
