"""Figure family `probe_fork`: fork() time against the parent's mapped size, 4 KiB pages vs
transparent huge pages (median per size as a line, every repeat as a dot; log-log). One figure
per probe-fork result."""
from . import loader, style

FAMILY = "probe_fork"


def _series_label(entry):
    if entry["pages"] == "thp":
        label = "THP" if entry.get("thp_used") else "THP requested, not used"
    else:
        label = "4 KiB pages"
    return label + (", warm-up" if entry.get("warmup") else "")


def draw(results, outdir):
    paths = []
    for r in loader.as_results(results):
        if r.kind != "probe-fork":
            continue
        entries = (r.doc.get("probe") or {}).get("fork") or []
        if not entries:
            continue
        series = {}
        for e in entries:
            series.setdefault(_series_label(e), []).append(e)
        fig, axes = style.new_figure(figsize=(6.4, 4.4))
        ax = axes[0][0]
        for i, (label, pts) in enumerate(series.items()):
            pts = sorted(pts, key=lambda e: e["size_bytes"])
            gib = [e["size_bytes"] / (1 << 30) for e in pts]
            color = f"C{i % 10}"
            ax.plot(gib, [e["fork_us_median"] for e in pts], marker="o", color=color,
                    label=f"{label} (median)")
            for g, e in zip(gib, pts):
                ax.scatter([g] * len(e["fork_us"]), e["fork_us"], s=8, color=color, alpha=0.35)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("parent mapped and touched size (GiB, log2)")
        ax.set_ylabel("fork() in the parent (µs, log)")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        paths += style.save(fig, outdir, f"{FAMILY}_{r.run}", "fork() time vs size",
                            style.result_label(r))
    if not paths:
        style.say(FAMILY, "nothing to draw (no probe-fork result)")
    return paths
