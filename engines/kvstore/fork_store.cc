#include "engines/kvstore/fork_store.h"

#include <new>

namespace rpbench::kvstore {

ForkStore::ForkStore(std::string_view engine, ThpMode thp) : engine_(engine), thp_(thp) {
  store_.set_track_digest(false);
}

void ForkStore::on_resize() {
  resizes_seen_ = store_.resizes_started();
  thp_.advise();
}

void ForkStore::after_load() {
  resizes_seen_ = store_.resizes_started();
  thp_.advise();
}

Status ForkStore::put(std::string_view key, std::string_view value) {
  try {
    store_.put(key, value);
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(engine_ + ": out of memory storing a " + std::to_string(value.size()) +
                                     "-byte value");
  }
  after_mutation();
  return Status::Ok();
}

Status ForkStore::get(std::string_view key, std::string* value) {
  return store_.get(key, value) ? Status::Ok() : Status::NotFound();
}

Status ForkStore::del(std::string_view key) {
  const bool found = store_.del(key);
  after_mutation();
  return found ? Status::Ok() : Status::NotFound();
}

}  // namespace rpbench::kvstore
