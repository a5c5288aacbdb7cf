"""Figure family `timeline`: per run phase (type run) with a timeline, p99 and max latency per interval
(log scale) and throughput per interval, with snapshot windows marked: a solid line at each
snapshot start, a dashed line when it was reaped, a shaded span between them."""
from . import loader, style

FAMILY = "timeline"


def _windows(events):
    """[(start_ms, end_ms or None, failed)] per snapshot index, from the phase's events."""
    by_snap = {}
    for e in events:
        w = by_snap.setdefault(e.get("snapshot"), {"start": None, "end": None, "failed": False})
        kind = e.get("event")
        if kind == "snapshot_start":
            w["start"] = e["t_ms"]
        elif kind in ("reaped", "child_done") and (w["end"] is None or kind == "reaped"):
            w["end"] = e["t_ms"]
        elif kind == "snapshot_failed":
            w["failed"] = True
            w["end"] = w["end"] if w["end"] is not None else e["t_ms"]
    return [(w["start"], w["end"], w["failed"]) for w in by_snap.values() if w["start"] is not None]


def _draw_phase(result, phase, outdir):
    tl = phase.get("timeline") or {}
    intervals = tl.get("intervals") or []
    if not intervals:
        return []
    interval_ms = tl.get("interval_ms") or 1.0
    t = [iv["t_ms"] / 1000.0 for iv in intervals]
    fig, axes = style.new_figure(2, 1, figsize=(7.5, 5.2), sharex=True,
                                 gridspec_kw={"height_ratios": [2, 1]})
    ax, ax_ops = axes[0][0], axes[1][0]
    for key, label, color in (("max_ns", "max", "C3"), ("p99_ns", "p99", "C0")):
        pts = [(x, iv[key] / 1000.0) for x, iv in zip(t, intervals) if iv.get(key) is not None]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], color=color, label=label, linewidth=1)
    ax_ops.plot(t, [iv["ops"] * 1000.0 / interval_ms for iv in intervals], color="C2", linewidth=1)
    windows = _windows(phase.get("events") or [])
    for i, (start, end, failed) in enumerate(windows):
        color = "black" if failed else "C1"
        for a in (ax, ax_ops):
            a.axvline(start / 1000.0, color=color, linestyle="-", linewidth=1,
                      label=("snapshot start" if i == 0 and a is ax else None))
            if end is not None:
                a.axvline(end / 1000.0, color=color, linestyle="--", linewidth=1,
                          label=("snapshot reaped" if i == 0 and a is ax else None))
                a.axvspan(start / 1000.0, end / 1000.0, color=color, alpha=0.12)
    ax.set_yscale("log")
    ax.set_ylabel("latency per interval (µs, log)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper right")
    ax_ops.set_ylabel("throughput (ops/s)")
    ax_ops.set_xlabel(f"time in phase (s), {interval_ms:g} ms intervals")
    ax_ops.set_ylim(bottom=0)
    ax_ops.grid(alpha=0.3)
    title = f"Timeline of {result.run}/{phase.get('name')} ({style.engine_label(result)})"
    return style.save(fig, outdir, f"{FAMILY}_{result.run}_{phase.get('name')}", title,
                      style.result_label(result))


def draw(results, outdir):
    paths = []
    for r in loader.as_results(results):
        if r.kind != "experiment":
            continue
        for phase in r.phases("run"):
            paths += _draw_phase(r, phase, outdir)
    if not paths:
        style.say(FAMILY, "nothing to draw (no phase with a timeline)")
    return paths
