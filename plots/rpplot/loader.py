"""Loading rpbench result files and flattening them into a tidy table.

A tidy row is a dict with the columns in ROW_COLUMNS: one row per (run, phase, metric), plus a
`snapshot` column holding the snapshot index for per-snapshot metrics (None otherwise). Result-level
metrics (the top-level "recovery" block, engine figures) have phase and phase_type None.

Histograms are kept raw in the results; quantile_from_buckets() and cdf_from_buckets() recompute
figures from their [[upper_ns, count], ...] buckets.
"""
import json
import math
import pathlib
import re
import sys
from dataclasses import dataclass, field

ROW_COLUMNS = ("run", "sweep", "kind", "engine", "transport", "thp_mode", "allocator",
               "phase", "phase_type", "metric", "value", "snapshot")

HISTOGRAM_STATS = ("count", "min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
                   "p9999_ns", "max_ns")
SNAPSHOT_METRICS = ("fork_us", "duration_ms", "child_duration_ms", "bytes", "mb_per_s",
                    "cow_bytes", "parent_minflt", "parent_majflt", "parent_nvcsw",
                    "parent_nivcsw", "rss_before_bytes", "rss_peak_bytes", "rss_after_bytes")
RECOVERY_METRICS = ("duration_ms", "bytes", "keys", "mb_per_s")
RESULT_KINDS = ("experiment", "probe-fork", "probe-faults", "probe-transport", "probe-pingpong")
_REPEAT = re.compile(r"^(?P<point>.+)\.r(?P<repeat>[0-9]+)$")


@dataclass
class Result:
    """One result file: its path and parsed document, with the context fields figures label by."""
    path: pathlib.Path
    doc: dict = field(repr=False)

    @property
    def run(self):
        return self.path.stem

    @property
    def sweep(self):
        return self.path.parent.name

    @property
    def point(self):
        """The sweep point this run belongs to: the file stem without a repeat suffix
        (NAME.r2.json -> NAME; run_sweep.py writes NAME.r0.json ... when a point repeats)."""
        m = _REPEAT.match(self.run)
        return m.group("point") if m else self.run

    @property
    def repeat(self):
        """The repeat index from the file name (NAME.r2.json -> 2), None for a single run."""
        m = _REPEAT.match(self.run)
        return int(m.group("repeat")) if m else None

    @property
    def kind(self):
        return self.doc.get("kind")

    @property
    def context(self):
        return self.doc.get("context") or {}

    @property
    def engine(self):
        return self.context.get("engine") or \
            ((self.doc.get("config") or {}).get("engine") or {}).get("type")

    @property
    def transport(self):
        # Probes and local engines run on no transport.
        return self.context.get("transport") or "none"

    @property
    def thp_mode(self):
        return self.context.get("thp_mode") or "unknown"

    @property
    def allocator(self):
        return self.context.get("allocator")

    @property
    def config(self):
        return self.doc.get("config") or {}

    def phases(self, *types):
        """The phases of an experiment, optionally only those of the given types."""
        return [p for p in self.doc.get("phases") or [] if not types or p.get("type") in types]


def _warn(msg):
    print(f"rpplot: {msg}", file=sys.stderr)


def _result_files(source):
    p = pathlib.Path(source)
    if p.is_dir():
        return sorted(x for x in p.glob("*.json") if x.is_file())
    if p.is_file():
        return [p]
    raise FileNotFoundError(f"no such result file or directory: {source}")


def load_results(source):
    """Loads result files from a directory (its *.json files, not recursive), a file, or an
    iterable of those. Files that do not parse or are not rpbench results are skipped with a
    warning on stderr; a missing path raises FileNotFoundError."""
    sources = [source] if isinstance(source, (str, pathlib.Path)) else list(source)
    results = []
    for src in sources:
        for path in _result_files(src):
            try:
                with open(path, encoding="utf-8") as f:
                    doc = json.load(f)
            except (OSError, ValueError) as e:
                _warn(f"skipping {path}: {e}")
                continue
            if not isinstance(doc, dict) or doc.get("kind") not in RESULT_KINDS \
                    or "schema_version" not in doc:
                _warn(f"skipping {path}: not an rpbench result (no schema_version/kind)")
                continue
            results.append(Result(path, doc))
    return results


def as_results(obj):
    """Coerces a list of Result, a path, or a list of paths into a list of Result."""
    if isinstance(obj, (str, pathlib.Path)):
        return load_results(obj)
    items = list(obj)
    if all(isinstance(x, Result) for x in items):
        return items
    return load_results(items)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _row(result, phase, metric, value, snapshot=None):
    return {"run": result.run, "sweep": result.sweep, "kind": result.kind,
            "engine": result.engine, "transport": result.transport,
            "thp_mode": result.thp_mode, "allocator": result.allocator,
            "phase": phase.get("name") if phase else None,
            "phase_type": phase.get("type") if phase else None,
            "metric": metric, "value": value, "snapshot": snapshot}


def _histogram_rows(result, phase, prefix, hist):
    for stat in HISTOGRAM_STATS:
        if stat in hist:
            yield _row(result, phase, f"{prefix}.{stat}", hist[stat])


def _phase_rows(result, phase):
    for key in ("ops", "errors", "not_found", "duration_s", "ops_per_s", "threads"):
        if key in phase:
            yield _row(result, phase, key, phase[key])
    pacing = phase.get("pacing") or {}
    for key in ("target_ops_per_s", "achieved_ops_per_s"):
        if key in pacing:
            yield _row(result, phase, f"pacing.{key}", pacing[key])
    for group in ("latency", "service_time", "op_latency"):
        for cls, hist in (phase.get(group) or {}).items():
            yield from _histogram_rows(result, phase, f"{group}.{cls}", hist)
    for snap in phase.get("snapshots") or []:
        for key in SNAPSHOT_METRICS:
            if key in snap:
                yield _row(result, phase, f"snapshot.{key}", snap[key], snap.get("index"))
        yield _row(result, phase, "snapshot.ok", snap.get("ok"), snap.get("index"))
    rec = phase.get("recovery")
    if rec:
        for key in RECOVERY_METRICS:
            if key in rec:
                yield _row(result, phase, f"recovery.{key}", rec[key])
        yield _row(result, phase, "recovery.ok", rec.get("ok"))
    ver = phase.get("verify")
    if ver:
        yield _row(result, phase, "verify.ok", ver.get("ok"))


def tidy_rows(results):
    """Flattens experiment results into tidy rows (dicts with ROW_COLUMNS). Probe results are
    not flattened (their figures read the probe block directly)."""
    rows = []
    for r in as_results(results):
        if r.kind != "experiment":
            continue
        for phase in r.phases():
            rows.extend(_phase_rows(r, phase))
        rec = r.doc.get("recovery")
        if rec:
            for key in ("duration_ms", "bytes", "keys"):
                if key in rec:
                    rows.append(_row(r, None, f"recovery.{key}", rec[key]))
            rows.append(_row(r, None, "recovery.verified", rec.get("verified")))
        for key, value in (r.doc.get("engine") or {}).items():
            if _is_number(value):
                rows.append(_row(r, None, f"engine.{key}", value))
    return rows


def select(rows, **criteria):
    """The rows whose columns equal every given value, e.g. select(rows, metric="ops_per_s")."""
    return [row for row in rows if all(row.get(k) == v for k, v in criteria.items())]


def values(rows, **criteria):
    """The non-null values of the selected rows, in order."""
    return [row["value"] for row in select(rows, **criteria) if row["value"] is not None]


def quantile_from_buckets(buckets, q):
    """The q-quantile (0 < q <= 1; q = 0 gives the minimum bucket) of a bucketed histogram.

    `buckets` is [[upper_ns, count], ...] with ascending upper bounds (empty buckets may be
    omitted). The rank is ceil(q * total) (at least 1), and the answer is the upper bound of the
    bucket holding that rank: an upper estimate whose error is bounded by the bucket width, the
    same bound the histogram states. None for an empty histogram."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile q must be in [0, 1], got {q}")
    total = sum(count for _, count in buckets)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for upper, count in buckets:
        seen += count
        if seen >= rank:
            return upper
    return buckets[-1][0]  # not reached: seen == total >= rank at the end


def cdf_from_buckets(buckets):
    """([upper_ns...], [cumulative fraction...]) over the non-empty buckets; ([], []) if empty."""
    total = sum(count for _, count in buckets)
    xs, ys = [], []
    if total == 0:
        return xs, ys
    seen = 0
    for upper, count in buckets:
        if count == 0:
            continue
        seen += count
        xs.append(upper)
        ys.append(seen / total)
    return xs, ys


def histogram(result, phase_name, path):
    """The histogram at `path` (e.g. "latency.during_snapshot") of the named phase, or None."""
    for phase in result.phases():
        if phase.get("name") == phase_name:
            node = phase
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            return node
    return None


def config_value(config, dotted):
    """A leaf of a (resolved) config by dotted key, e.g. "measure.rate"; None if absent."""
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
