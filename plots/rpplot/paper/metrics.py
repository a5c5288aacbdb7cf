"""Per-result figures the paper draws (one number per result file, None when it was not
measured): snapshot costs over the run's successful snapshots, recovery time, and foreground
latency quantiles recomputed from the raw histogram buckets of the run phases."""
from .. import loader


def ok_snapshots(result):
    return [s for p in result.phases() for s in (p.get("snapshots") or []) if s.get("ok")]


def _mean(values):
    values = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return sum(values) / len(values) if values else None


def snapshot_mean(result, key):
    """The mean of a snapshot figure (fork_us, duration_ms, cow_bytes, mb_per_s, bytes,
    rss_before_bytes, ...) over the result's successful snapshots; None if none measured it."""
    return _mean([s.get(key) for s in ok_snapshots(result)])


def recovery_ms(result):
    """The recovery time: the result's recovery block, else its recover phases' mean."""
    rec = result.doc.get("recovery")
    if isinstance(rec, dict) and rec.get("duration_ms") is not None:
        return rec["duration_ms"]
    return _mean([(p.get("recovery") or {}).get("duration_ms") for p in result.phases("recover")
                  if (p.get("recovery") or {}).get("ok")])


def merged_buckets(result, cls, phase_types=("run",)):
    """The latency buckets of class `cls` (all, normal, during_snapshot) summed over the phases
    of the given types, and the largest max_ns among them."""
    counts, top = {}, None
    for p in result.phases(*phase_types):
        h = (p.get("latency") or {}).get(cls) or {}
        for upper, count in h.get("buckets") or []:
            counts[upper] = counts.get(upper, 0) + count
        if h.get("max_ns") is not None:
            top = h["max_ns"] if top is None else max(top, h["max_ns"])
    return [[u, counts[u]] for u in sorted(counts)], top


def latency_quantile_ns(result, cls, q):
    """The q-quantile (ns) of the run phases' `cls` latency, from the buckets (clamped to the
    largest max_ns, as the driver does); None when no op fell in that class."""
    buckets, top = merged_buckets(result, cls)
    value = loader.quantile_from_buckets(buckets, q)
    if value is None:
        return None
    return min(value, top) if top is not None else value


def phase_ops_per_s(result, name):
    for p in result.phases():
        if p.get("name") == name:
            return p.get("ops_per_s")
    return None
