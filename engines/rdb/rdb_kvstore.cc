#include "engines/rdb/rdb_kvstore.h"

#include <utility>

#include "base/status_or.h"
#include "engines/rdb/file_source.h"
#include "engines/rdb/rdb_format.h"

namespace rpbench::rdb {

RdbWriteResult write_rdb(const kvstore::KvStore& store, OutputSink* sink, const RdbWriterOptions& opt) {
  RdbWriter w(sink, opt);
  w.begin(store.size());
  store.for_each([&](std::string_view k, std::string_view v) { w.put(k, v); });  // no-ops after a failure
  RdbWriteResult r;
  r.status = w.finish();
  if (r.status.ok()) {
    r.bytes = w.bytes();
    r.digest = w.digest();
  }
  return r;
}

RdbWriteResult save_rdb_file(const kvstore::KvStore& store, const std::string& tmp_path, const std::string& final_path,
                             const RdbWriteOptions& opt) {
  StatusOr<FileSink> sink = FileSink::create(tmp_path, final_path, opt.file);
  if (!sink.ok()) {
    RdbWriteResult r;
    r.status = sink.status();
    return r;
  }
  return write_rdb(store, &*sink, opt.writer);
}

RdbLoadResult load_rdb(InputSource* in, kvstore::KvStore* store, const std::function<void()>& tick) {
  store->clear();
  kvstore::KvStore fresh;
  fresh.set_track_digest(store->track_digest());
  RdbLoadHandler h;
  h.on_key_count = [&](uint64_t keys) { fresh.reserve(keys); };
  h.on_pair = [&](std::string_view k, std::string_view v) {
    if (!fresh.put(k, v)) return Status::Corruption("duplicate key '" + printable(k) + "'");
    if (tick && (fresh.size() & 0xffff) == 0) tick();
    return Status::Ok();
  };
  RdbLoadResult res = load_rdb(in, h);
  if (!res.status.ok()) return res;
  const bool paused = store->resize_paused();
  store->swap(fresh);
  store->pause_resize(paused);
  return res;
}

RdbLoadResult load_rdb_file(const std::string& path, kvstore::KvStore* store, const std::function<void()>& tick) {
  store->clear();
  StatusOr<FileSource> src = FileSource::open(path);
  if (!src.ok()) {
    RdbLoadResult res;
    res.status = src.status();
    return res;
  }
  return load_rdb(&*src, store, tick);
}

}  // namespace rpbench::rdb
