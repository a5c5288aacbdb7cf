"""Figure family `throughput`: achieved ops/s of every run phase, one bar per (run, phase),
coloured by engine; the open-loop target rate is marked on its bar. One figure per
(transport, THP mode)."""
from . import loader, style

FAMILY = "throughput"


def _bars(results):
    bars = []  # (x label, engine label, ops/s, target or None)
    for r in results:
        runs = r.phases("run")
        for p in runs:
            label = r.run if len(runs) == 1 else f"{r.run}\n{p.get('name')}"
            target = (p.get("pacing") or {}).get("target_ops_per_s")
            if (p.get("pacing") or {}).get("loop") != "open":
                target = None
            bars.append((label, style.engine_label(r), p.get("ops_per_s", 0.0), target))
    return bars


def draw(results, outdir):
    results = [r for r in loader.as_results(results) if r.kind == "experiment" and r.phases("run")]
    if not results:
        style.say(FAMILY, "nothing to draw (no experiment with a run phase)")
        return []
    paths = []
    for (transport, thp), group in style.group_by_context(results).items():
        bars = _bars(group)
        engines = list(dict.fromkeys(b[1] for b in bars))
        colors = {e: f"C{i % 10}" for i, e in enumerate(engines)}
        fig, axes = style.new_figure(figsize=(max(5.0, 0.7 * len(bars) + 2.5), 4.2))
        ax = axes[0][0]
        xs = range(len(bars))
        ax.bar(xs, [b[2] for b in bars], width=0.6, color=[colors[b[1]] for b in bars])
        targets = [(x, b[3]) for x, b in zip(xs, bars) if b[3] is not None]
        if targets:
            ax.hlines([t[1] for t in targets], [t[0] - 0.35 for t in targets],
                      [t[0] + 0.35 for t in targets], colors="black", linestyles="--",
                      label="target rate (open loop)")
        for e in engines:
            ax.bar([0], [0], color=colors[e], label=e)  # legend proxies (zero height)
        ax.set_xticks(list(xs), labels=[b[0] for b in bars], rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("throughput (ops/s)")
        top = max([b[2] for b in bars] + [t[1] for t in targets] + [1.0])
        ax.set_ylim(0, top * 1.3)  # headroom for the legend
        ax.set_xlim(-0.8, len(bars) - 0.2)
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="y", alpha=0.3)
        paths += style.save(fig, outdir, style.group_stem(FAMILY, transport, thp),
                            "Throughput of run phases", style.context_label(transport, thp))
    return paths
