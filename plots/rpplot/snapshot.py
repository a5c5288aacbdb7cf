"""Figure family `snapshot`: per run, the figures of each snapshot (fork time, duration, COW
bytes; a panel only for what was measured, failed snapshots hatched), and, when a sweep varies
measure.rate, mean COW bytes per snapshot against the write rate, one line per engine."""
import math

from . import loader, style

FAMILY = "snapshot"
PANELS = (("fork_us", "fork (µs)", 1.0), ("duration_ms", "snapshot duration (ms)", 1.0),
          ("cow_bytes", "parent COW (MiB)", 1.0 / (1 << 20)))
WRITE_OPS_EXCLUDED = ("read", "scan")


def _snapshots(result):
    out = []  # (label, snapshot)
    for p in result.phases():
        for s in p.get("snapshots") or []:
            out.append((f"{p.get('name')}#{s.get('index')}", s))
    return out


def _per_run(result, outdir):
    snaps = _snapshots(result)
    panels = [pn for pn in PANELS if any(s.get(pn[0]) is not None for _, s in snaps)]
    if not panels:
        return []
    fig, axes = style.new_figure(1, len(panels), figsize=(3.6 * len(panels) + 0.8, 3.8))
    xs = list(range(len(snaps)))
    for ax, (key, ylabel, scale) in zip(axes[0], panels):
        # a figure a snapshot did not measure (null) is left out, not drawn as zero
        heights = [s[key] * scale if s.get(key) is not None else math.nan for _, s in snaps]
        bars = ax.bar(xs, heights, color="C0")
        for bar, (_, s) in zip(bars, snaps):
            if not s.get("ok", True):
                bar.set_hatch("xx")
                bar.set_facecolor("C3")
        ax.set_xticks(xs, labels=[lab for lab, _ in snaps], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("snapshot")
        ax.grid(axis="y", alpha=0.3)
    failed = sum(1 for _, s in snaps if not s.get("ok", True))
    title = f"Snapshots of {result.run} ({style.engine_label(result)})"
    if failed:
        title += f", {failed} failed (hatched)"
    return style.save(fig, outdir, f"{FAMILY}_{result.run}", title, style.result_label(result))


def write_fraction(config):
    """The share of writes (every op of the mix but read and scan), or None without a mix."""
    mix = loader.config_value(config, "workload.mix")
    if not isinstance(mix, dict) or not mix:
        return None
    total = sum(v for v in mix.values() if isinstance(v, (int, float)))
    if total <= 0:
        return None
    writes = sum(v for k, v in mix.items() if k not in WRITE_OPS_EXCLUDED and isinstance(v, (int, float)))
    return writes / total


def _cow_points(group):
    """[(engine label, write rate, mean cow bytes)] of runs with a rate and COW figures."""
    points = []
    for r in group:
        rate = loader.config_value(r.config, "measure.rate")
        cows = [s["cow_bytes"] for _, s in _snapshots(r) if s.get("ok") and s.get("cow_bytes") is not None]
        if not isinstance(rate, (int, float)) or not cows:
            continue
        frac = write_fraction(r.config)
        keys = loader.config_value(r.config, "dataset.keys")
        points.append((style.engine_label(r), rate, frac, sum(cows) / len(cows), keys))
    # One line per engine and dataset size: COW depends on both.
    if len({p[4] for p in points}) > 1:
        points = [(f"{p[0]}, {p[4]:,} keys", p[1], p[2], p[3], p[4]) for p in points]
    return points


def _cow_vs_rate(sweep, transport, thp, group, outdir):
    points = _cow_points(group)
    if len({p[1] for p in points}) < 2:
        return []
    by_writes = all(p[2] is not None for p in points)
    fig, axes = style.new_figure(figsize=(6.0, 4.2))
    ax = axes[0][0]
    engines = list(dict.fromkeys(p[0] for p in points))
    for i, e in enumerate(engines):
        pts = sorted((p[1] * p[2] if by_writes else p[1], p[3]) for p in points if p[0] == e)
        ax.plot([x for x, _ in pts], [y / (1 << 20) for _, y in pts], marker="o",
                color=f"C{i % 10}", label=e)
    ax.set_xlabel("write rate (ops/s: target rate x write share of the mix)" if by_writes
                  else "target rate (ops/s)")
    ax.set_ylabel("mean parent COW per snapshot (MiB)")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    stem = f"{FAMILY}_cow_vs_rate_{sweep}_{style.safe_name(transport)}_thp-{style.safe_name(thp)}"
    return style.save(fig, outdir, stem, f"COW bytes vs write rate (sweep {sweep})",
                      style.context_label(transport, thp))


def draw(results, outdir):
    results = [r for r in loader.as_results(results) if r.kind == "experiment" and _snapshots(r)]
    paths = []
    for r in results:
        paths += _per_run(r, outdir)
    sweeps = {}
    for r in results:
        sweeps.setdefault(r.sweep, []).append(r)
    for sweep, members in sweeps.items():
        for (transport, thp), group in style.group_by_context(members).items():
            paths += _cow_vs_rate(sweep, transport, thp, group, outdir)
    if not paths:
        style.say(FAMILY, "nothing to draw (no experiment with snapshot figures)")
    return paths
