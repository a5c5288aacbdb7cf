"""Figure family `latency`: latency percentiles (p50 .. p99.99 and max, log scale) of every run
phase, one line per (run, phase). When any run measured ops during a snapshot, two panels side by
side: ops outside snapshots (`normal`) and ops during a snapshot (`during_snapshot`); otherwise
one panel of all ops. One figure per (transport, THP mode)."""
from . import loader, style

FAMILY = "latency"
PERCENTILES = (("p50", "p50_ns"), ("p90", "p90_ns"), ("p99", "p99_ns"), ("p99.9", "p999_ns"),
               ("p99.99", "p9999_ns"), ("max", "max_ns"))


def _has_data(hist):
    return bool(hist) and (hist.get("count") or 0) > 0


def _lines(group, cls):
    lines = []
    for r in group:
        runs = r.phases("run")
        for p in runs:
            h = (p.get("latency") or {}).get(cls)
            if not _has_data(h):
                continue
            name = r.run if len(runs) == 1 else f"{r.run}/{p.get('name')}"
            label = f"{name} ({style.engine_label(r)})"
            lines.append((label, [h[key] / 1000.0 for _, key in PERCENTILES], h["count"]))
    return lines


def draw(results, outdir):
    results = [r for r in loader.as_results(results)
               if r.kind == "experiment"
               and any(_has_data((p.get("latency") or {}).get("all")) for p in r.phases("run"))]
    if not results:
        style.say(FAMILY, "nothing to draw (no run phase with latency data)")
        return []
    paths = []
    for (transport, thp), group in style.group_by_context(results).items():
        split = any(_has_data((p.get("latency") or {}).get("during_snapshot"))
                    for r in group for p in r.phases("run"))
        panels = [("normal", "outside snapshots"), ("during_snapshot", "during a snapshot")] \
            if split else [("all", "all ops")]
        fig, axes = style.new_figure(1, len(panels), figsize=(5.6 * len(panels), 4.4), sharey=True)
        for ax, (cls, title) in zip(axes[0], panels):
            lines = _lines(group, cls)
            for i, (label, ys, count) in enumerate(lines):
                ax.plot(range(len(PERCENTILES)), ys, marker="o", color=f"C{i % 10}",
                        label=f"{label}, n={count}")
            if not lines:
                ax.text(0.5, 0.5, "no ops in this class", transform=ax.transAxes, ha="center")
            ax.set_xticks(range(len(PERCENTILES)), labels=[p for p, _ in PERCENTILES])
            ax.set_yscale("log")
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("percentile")
            ax.grid(alpha=0.3, which="both")
            if lines:
                ax.legend(fontsize=7)
        axes[0][0].set_ylabel("latency (µs, log)")
        paths += style.save(fig, outdir, style.group_stem(FAMILY, transport, thp),
                            "Latency percentiles of run phases", style.context_label(transport, thp))
    return paths
