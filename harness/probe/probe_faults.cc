#include "harness/probe/probe_faults.h"

#include <sys/mman.h>

#include <stdexcept>
#include <string>

#include "measure/clock.h"
#include "measure/mapping.h"
#include "measure/os_probes.h"
#include "measure/paused_child.h"

namespace rpbench::measure {

namespace {

constexpr size_t kSmallPage = 4096;

// Times one write of `value` at p and records it.
inline void timed_write(volatile unsigned char* p, unsigned char value, FaultCaseResult& r) {
  asm volatile("" ::: "memory");
  const uint64_t t0 = now_ns();
  asm volatile("" ::: "memory");
  *p = value;
  asm volatile("" ::: "memory");
  const uint64_t t1 = now_ns();
  asm volatile("" ::: "memory");
  r.latency.record(t1 - t0);
  r.total_ns += t1 - t0;
}

void require_positive(size_t n, const char* what) {
  if (n == 0) throw std::invalid_argument(std::string("fault probe: ") + what + " must be > 0");
}

// The probe's region, advised; the probe's own error contract (std::runtime_error) on failure.
AnonMapping mapped(size_t bytes, size_t alignment, int advice) {
  StatusOr<AnonMapping> m = AnonMapping::map(bytes, alignment);
  if (!m.ok()) throw std::runtime_error("fault probe: " + m.status().message());
  if (Status s = m->advise(advice); !s.ok()) throw std::runtime_error("fault probe: " + s.message());
  return std::move(*m);
}

AnonMapping small_page_region(size_t pages, bool warmup) {
  require_positive(pages, "pages");
  if (warmup) {
    if (Status s = memory_warmup(pages * kSmallPage); !s.ok()) throw std::runtime_error("fault probe: " + s.message());
  }
  return mapped(pages * kSmallPage, 0, MADV_NOHUGEPAGE);
}

AnonMapping huge_page_region(size_t huge_pages, bool warmup) {
  require_positive(huge_pages, "huge pages");
  if (warmup) {
    if (Status s = memory_warmup(huge_pages * kHugePageSize); !s.ok())
      throw std::runtime_error("fault probe: " + s.message());
  }
  return mapped(huge_pages * kHugePageSize, kHugePageSize, MADV_HUGEPAGE);
}

FaultCaseResult make(FaultCaseKind kind, bool warmup) {
  FaultCaseResult r;
  r.kind = kind;
  r.warmup = warmup;
  return r;
}

bool thp_backed(const AnonMapping& m) { return anon_huge_bytes(m.data(), m.size()) > 0; }

}  // namespace

const char* to_string(FaultCaseKind k) {
  switch (k) {
    case FaultCaseKind::kFirstTouch4k: return "first_touch_4k";
    case FaultCaseKind::kPrefaultedWrite4k: return "prefaulted_write_4k";
    case FaultCaseKind::kCow4k: return "cow_4k";
    case FaultCaseKind::kFirstTouchThp: return "first_touch_thp";
    case FaultCaseKind::kCowThpFirst: return "cow_thp_first";
    case FaultCaseKind::kCowThpRest: return "cow_thp_rest";
  }
  return "unknown";
}

FaultCaseResult time_first_touch_4k(size_t pages, bool warmup) {
  AnonMapping m = small_page_region(pages, warmup);
  FaultCaseResult r = make(FaultCaseKind::kFirstTouch4k, warmup);
  for (size_t i = 0; i < pages; ++i) timed_write(m.data() + i * kSmallPage, 1, r);
  r.thp_used = thp_backed(m);
  return r;
}

FaultCaseResult time_prefaulted_write_4k(size_t pages, bool warmup) {
  AnonMapping m = small_page_region(pages, warmup);
  m.touch(kSmallPage);
  FaultCaseResult r = make(FaultCaseKind::kPrefaultedWrite4k, warmup);
  r.thp_used = thp_backed(m);
  for (size_t i = 0; i < pages; ++i) timed_write(m.data() + i * kSmallPage + 64, 2, r);
  return r;
}

FaultCaseResult time_cow_4k(size_t pages, bool warmup) {
  AnonMapping m = small_page_region(pages, warmup);
  m.touch(kSmallPage);
  FaultCaseResult r = make(FaultCaseKind::kCow4k, warmup);
  r.thp_used = thp_backed(m);
  PausedChild child;
  for (size_t i = 0; i < pages; ++i) timed_write(m.data() + i * kSmallPage + 64, 2, r);
  child.release_and_wait();
  return r;
}

FaultCaseResult time_first_touch_thp(size_t huge_pages, bool warmup) {
  AnonMapping m = huge_page_region(huge_pages, warmup);
  FaultCaseResult r = make(FaultCaseKind::kFirstTouchThp, warmup);
  for (size_t i = 0; i < huge_pages; ++i) timed_write(m.data() + i * kHugePageSize, 1, r);
  r.thp_used = thp_backed(m);
  return r;
}

std::vector<FaultCaseResult> time_cow_thp(size_t huge_pages, bool warmup) {
  AnonMapping m = huge_page_region(huge_pages, warmup);
  m.touch(kSmallPage);
  FaultCaseResult first = make(FaultCaseKind::kCowThpFirst, warmup);
  FaultCaseResult rest = make(FaultCaseKind::kCowThpRest, warmup);
  first.thp_used = rest.thp_used = thp_backed(m);
  PausedChild child;
  for (size_t h = 0; h < huge_pages; ++h) {
    unsigned char* base = m.data() + h * kHugePageSize;
    timed_write(base + 64, 2, first);
    for (size_t off = kSmallPage; off < kHugePageSize; off += kSmallPage) timed_write(base + off + 64, 2, rest);
  }
  child.release_and_wait();
  return {std::move(first), std::move(rest)};
}

CowRelationPoint measure_cow_relation(size_t region_pages, size_t pages_written, bool warmup) {
  if (pages_written > region_pages) {
    throw std::invalid_argument("cow relation: pages_written " + std::to_string(pages_written) +
                                " exceeds the region's " + std::to_string(region_pages) + " pages");
  }
  AnonMapping m = small_page_region(region_pages, warmup);
  m.touch(kSmallPage);
  PausedChild child;
  const int64_t dirty0 = private_dirty_bytes(child.pid());
  const Rusage ru0 = self_rusage();
  volatile unsigned char* p = m.data();
  for (size_t i = 0; i < pages_written; ++i) p[i * kSmallPage + 64] = 2;
  const Rusage ru1 = self_rusage();
  const int64_t dirty1 = private_dirty_bytes(child.pid());
  child.release_and_wait();
  if (dirty0 < 0 || dirty1 < 0) {
    throw std::runtime_error("cow relation: cannot read /proc/" + std::to_string(child.pid()) + "/smaps_rollup");
  }
  CowRelationPoint pt;
  pt.pages_written = pages_written;
  pt.warmup = warmup;
  pt.parent_minflt = ru1.minflt - ru0.minflt;
  pt.private_dirty_bytes = dirty1 - dirty0;
  return pt;
}

nlohmann::json to_json(const FaultCaseResult& r) {
  return {{"case", to_string(r.kind)},  {"warmup", r.warmup},     {"thp_used", r.thp_used},
          {"count", r.latency.count()}, {"total_ns", r.total_ns}, {"latency", to_json(r.latency)}};
}

nlohmann::json to_json(const CowRelationPoint& p) {
  return {{"pages_written", p.pages_written},
          {"warmup", p.warmup},
          {"parent_minflt", p.parent_minflt},
          {"private_dirty_bytes", p.private_dirty_bytes}};
}

}  // namespace rpbench::measure
