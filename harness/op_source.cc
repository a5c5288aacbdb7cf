#include "harness/op_source.h"

#include "workloads/op_stream.h"
#include "workloads/trace.h"
#include "workloads/values.h"

namespace rpbench {
namespace {

class LoadSource final : public OpSource {
 public:
  LoadSource(const workloads::WorkloadSpec& spec, uint64_t keys, uint32_t thread, uint32_t threads)
      : sizer_(spec.value_size, spec.seed), next_(thread), step_(threads), end_(keys) {}
  bool next(workloads::Op* op) override {
    if (next_ >= end_) return false;
    op->type = workloads::OpType::kInsert;
    op->key_id = next_;
    op->version = 0;
    op->value_size = sizer_.size_for(next_, 0);
    next_ += step_;
    return true;
  }

 private:
  workloads::ValueSizer sizer_;
  uint64_t next_;
  uint64_t step_;
  uint64_t end_;
};

class StreamSource final : public OpSource {
 public:
  StreamSource(const workloads::WorkloadSpec& spec, uint32_t thread, uint32_t threads)
      : stream_(spec, thread, threads) {}
  bool next(workloads::Op* op) override {
    *op = stream_.next();
    return true;
  }

 private:
  workloads::OpStream stream_;
};

class TraceSource final : public OpSource {
 public:
  TraceSource(std::unique_ptr<workloads::TraceReader> reader, uint32_t thread, uint32_t threads)
      : reader_(std::move(reader)), skip_(thread), step_(threads) {}
  bool next(workloads::Op* op) override {
    // Ops are dealt round-robin: thread t replays ops t, t+T, t+2T, ...
    for (; skip_ > 0; --skip_)
      if (!reader_->next(op)) return false;
    if (!reader_->next(op)) return false;
    skip_ = step_ - 1;
    return true;
  }
  Status status() const override { return reader_->status(); }

 private:
  std::unique_ptr<workloads::TraceReader> reader_;
  uint32_t skip_;
  uint32_t step_;
};

}  // namespace

std::unique_ptr<OpSource> make_load_source(const workloads::WorkloadSpec& spec, uint64_t keys, uint32_t thread,
                                           uint32_t threads) {
  return std::make_unique<LoadSource>(spec, keys, thread, threads);
}

StatusOr<std::unique_ptr<OpSource>> make_run_source(const workloads::WorkloadSpec& spec, const std::string& trace,
                                                    uint32_t thread, uint32_t threads) {
  if (trace.empty()) return std::unique_ptr<OpSource>(std::make_unique<StreamSource>(spec, thread, threads));
  StatusOr<std::unique_ptr<workloads::TraceReader>> reader = workloads::TraceReader::open(trace);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<OpSource>(std::make_unique<TraceSource>(std::move(*reader), thread, threads));
}

}  // namespace rpbench
