"""Figure family `fault_cdf`: per probe-faults result, the CDF of single page-fault latencies
per case (colour by case, warm-up runs dashed), recomputed from the histogram buckets (log x),
and, when measured, the parent's minor faults and the child's Private_Dirty against the pages
the parent wrote (the COW relation)."""
from . import loader, style

FAMILY = "fault_cdf"
PAGE_4K = 4096


def draw(results, outdir):
    paths = []
    for r in loader.as_results(results):
        if r.kind != "probe-faults":
            continue
        probe = r.doc.get("probe") or {}
        faults = [f for f in probe.get("faults") or [] if (f.get("latency") or {}).get("count")]
        relation = sorted(probe.get("cow_relation") or [], key=lambda c: c["pages_written"])
        if not faults and not relation:
            continue
        ncols = int(bool(faults)) + int(bool(relation))
        fig, axes = style.new_figure(1, ncols, figsize=(6.0 * ncols, 4.4))
        col = 0
        if faults:
            ax = axes[0][col]
            col += 1
            cases = list(dict.fromkeys(f["case"] for f in faults))
            for f in faults:  # colour by case; warm-up runs dashed
                xs, ys = loader.cdf_from_buckets(f["latency"]["buckets"])
                label = f"{f['case']}{' (warm-up)' if f.get('warmup') else ''}, n={f['latency']['count']}"
                ax.step(xs, ys, where="post", color=f"C{cases.index(f['case']) % 10}",
                        linestyle="--" if f.get("warmup") else "-", label=label)
            ax.set_xscale("log")
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("fault latency (ns, log; bucket upper bounds)")
            ax.set_ylabel("fraction of faults")
            ax.set_title("fault latency CDF", fontsize=9)
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
        if relation:
            ax = axes[0][col]
            pages = [c["pages_written"] for c in relation]
            ax.plot(pages, [c["parent_minflt"] for c in relation], marker="o", label="parent minor faults")
            ax.plot(pages, [c["private_dirty_bytes"] / PAGE_4K for c in relation], marker="s",
                    label="child Private_Dirty (4 KiB pages)")
            ax.plot(pages, pages, linestyle=":", color="gray", label="y = pages written")
            ax.set_xlabel("pages written by the parent while the child lives")
            ax.set_ylabel("count")
            ax.set_title("copy-on-write relation", fontsize=9)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
        paths += style.save(fig, outdir, f"{FAMILY}_{r.run}", "Page-fault latency",
                            style.result_label(r))
    if not paths:
        style.say(FAMILY, "nothing to draw (no probe-faults result)")
    return paths
