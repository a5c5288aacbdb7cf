"""Figure family `compare`: engines side by side on the same dataset and workload, one group of
bars per dataset size and one bar per engine, in six panels: fork time, snapshot duration, COW
bytes, p99 latency outside and during snapshots, and recovery time. Fork time is what each engine
reports (the redis engine: the server's own latest_fork_usec). One figure per (transport, THP
mode); drawn when at least two engines have snapshots."""
from . import loader, style

FAMILY = "compare"

PANELS = [  # (title, unit scale, extractor)
    ("fork (us, mean per snapshot)", 1.0, "fork_us"),
    ("snapshot duration (ms)", 1.0, "duration_ms"),
    ("COW (MiB, child Private_Dirty)", 1.0 / (1 << 20), "cow_bytes"),
    ("p99 outside snapshots (us)", 1e-3, "p99_normal"),
    ("p99 during snapshots (us)", 1e-3, "p99_during"),
    ("recovery (ms)", 1.0, "recovery_ms"),
]


def _mean(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return sum(xs) / len(xs) if xs else None


def _figures(result):
    """{metric: value or None} for one run."""
    snaps = [s for p in result.phases("run", "snapshot") for s in (p.get("snapshots") or []) if s.get("ok")]
    runs = result.phases("run")
    out = {
        "fork_us": _mean([s.get("fork_us") for s in snaps]),
        "duration_ms": _mean([s.get("duration_ms") for s in snaps]),
        "cow_bytes": _mean([s.get("cow_bytes") for s in snaps]),
        "p99_normal": None,
        "p99_during": None,
        "recovery_ms": _mean([(p.get("recovery") or {}).get("duration_ms") for p in result.phases("recover")]),
    }
    if runs:
        lat = runs[0].get("latency") or {}
        out["p99_normal"] = (lat.get("normal") or {}).get("p99_ns")
        out["p99_during"] = (lat.get("during_snapshot") or {}).get("p99_ns")
    return out, bool(snaps)


def draw(results, outdir):
    results = [r for r in loader.as_results(results) if r.kind == "experiment"]
    paths = []
    for (transport, thp), group in style.group_by_context(results).items():
        rows = []  # (size, engine, figures)
        for r in group:
            figs, has_snaps = _figures(r)
            if has_snaps:
                rows.append((loader.config_value(r.config, "dataset.keys"), style.engine_label(r), figs))
        engines = list(dict.fromkeys(row[1] for row in rows))
        if len(engines) < 2:
            continue
        sizes = sorted({row[0] for row in rows if isinstance(row[0], (int, float))})
        fig, axes = style.new_figure(2, 3, figsize=(13.0, 7.0))
        width = 0.8 / len(engines)
        for ax, (title, scale, key) in zip([a for line in axes for a in line], PANELS):
            for i, e in enumerate(engines):
                xs, ys = [], []
                for j, size in enumerate(sizes):
                    vals = [row[2][key] for row in rows if row[0] == size and row[1] == e and row[2][key] is not None]
                    if vals:
                        xs.append(j + (i - (len(engines) - 1) / 2) * width)
                        ys.append(sum(vals) / len(vals) * scale)
                ax.bar(xs, ys, width=width, color=f"C{i % 10}", label=e)
            ax.set_xticks(range(len(sizes)), labels=[f"{int(s):,} keys" for s in sizes], fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.grid(axis="y", alpha=0.3)
        axes[0][0].legend(fontsize=8)
        paths += style.save(fig, outdir, style.group_stem(FAMILY, transport, thp),
                            "Engines side by side: snapshot costs and foreground latency",
                            style.context_label(transport, thp))
    if not paths:
        style.say(FAMILY, "nothing to draw (fewer than two engines with snapshots)")
    return paths
