"""Figure family `paged`: the paged-kv engine's local page cache against its throughput, from the
contest sweep's runs (configs/sweeps/contest.json: the `contest` workload preset), with the
`memory` engine (every record in one process's hash maps) as the all-local reference.

paged_vs_cache_thp-<mode>: four panels against the cache's size as a fraction of the dataset's
record bytes (engine.cache_fraction), one line per transport variant and client thread count:
the mixed phase's throughput (ops/s; the memory engine's as dashed lines at its thread counts),
the mixed phase's hit ratio, page fetches per second, and how often a client thread had to write
a dirty page back itself to free a frame (of all frames taken; the background evictor is there
so that this stays rare).

paged_contest_phases_thp-<mode>: the contest score's four phase times (write, delete, rewrite,
mixed; their sum is the score, lower is better) as stacked bars, one bar per run.

paged_warmup_thp-<mode>: after a recovery (configs/sweeps/paged-recovery.json), the hit ratio of
each interval of the run phase that follows it (the engine's own timeline, 100 ms intervals),
one line per run, the index's load time (the time to the first served op) in the legend.

paged_targets.txt: per transport variant and thread count, the mixed phase's throughput with 25%
of the dataset as cache over the same engine with every page local (cache_fraction >= 1; target
0.5 on shm without a link model). Nothing is drawn from a run without the value; shm and tcp
are never called RDMA."""

from . import identity, loader, style

FAMILY = "paged"
TARGET_FRACTION = 0.5
TARGET_CACHE = 0.25
CONTEST_PHASES = ("write", "delete", "rewrite", "mixed")


def _phase(result, name):
    for p in result.phases():
        if p.get("name") == name:
            return p
    return None


def _engine_phase(result, index):
    """paged-kv's own figures of the index-th phase it saw (engine.phases, in phase order)."""
    phases = ((result.doc.get("engine") or {}).get("phases")) or []
    return phases[index] if 0 <= index < len(phases) else None


def _mixed_index(result):
    """The position of the mixed phase among the phases the engine saw (load and run phases)."""
    seen = [p for p in result.phases() if p.get("type") in ("load", "run")]
    for i, p in enumerate(seen):
        if p.get("name") == "mixed":
            return i
    return None


def point(result):
    """{threads, fraction, ops_per_s, hit_ratio, fetches_per_s, fg_fraction} of a contest run, or None."""
    mixed = _phase(result, "mixed")
    if mixed is None or not mixed.get("ops_per_s") or mixed.get("errors"):
        return None
    m = {"threads": loader.config_value(result.config, "workload.threads") or 1,
         "ops_per_s": mixed["ops_per_s"], "fraction": None, "hit_ratio": None, "fetches_per_s": None,
         "fg_fraction": None}
    if result.engine == "paged-kv":
        eng = result.doc.get("engine") or {}
        if (eng.get("cache") or {}).get("budget_from") == "engine.cache_fraction":
            m["fraction"] = loader.config_value(result.config, "engine.cache_fraction")
        i = _mixed_index(result)
        e = _engine_phase(result, i) if i is not None else None
        if e:
            m["hit_ratio"] = e.get("hit_ratio")
            if e.get("seconds"):
                m["fetches_per_s"] = e.get("misses", 0) / e["seconds"]
            m["fg_fraction"] = e.get("foreground_writeback_fraction")
    return m


PANELS = (("ops_per_s", "mixed phase throughput (ops/s)", True),
          ("hit_ratio", "mixed phase cache hit ratio", False),
          ("fetches_per_s", "page fetches per second (mixed)", True),
          ("fg_fraction", "frames freed by a client's own write-back", False))


def _thread_colour(threads, all_threads):
    palette = ("#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
    return palette[sorted(all_threads).index(threads) % len(palette)]


def _vs_cache(thp, runs, outdir):
    lines, reference = {}, {}
    for r in runs:
        m = point(r)
        if m is None:
            continue
        if r.engine == "memory":
            reference.setdefault(m["threads"], []).append(m["ops_per_s"])
        elif m["fraction"] is not None:
            lines.setdefault((identity.transport_variant(r), m["threads"]), []).append(m)
    if not lines:
        return []
    all_threads = {t for _, t in lines} | set(reference)
    fig, axes = style.new_figure(2, 2, figsize=(11, 7.6))
    flat = [a for row in axes for a in row]
    for ax, (metric, label, log) in zip(flat, PANELS):
        for (variant, threads), pts in sorted(lines.items(), key=lambda kv: (kv[0][0].sort_key, kv[0][1])):
            xy = sorted((p["fraction"], p[metric]) for p in pts if isinstance(p.get(metric), (int, float)))
            if log:
                xy = [(x, y) for x, y in xy if y > 0]
            if not xy:
                continue
            ax.plot([x for x, _ in xy], [y for _, y in xy], label=f"paged-kv over {variant.short}, {threads} thr",
                    color=_thread_colour(threads, all_threads), linestyle=style.transport_linestyle(variant),
                    marker=style.engine_style("paged-kv")["marker"])
        if metric == "ops_per_s":
            for threads, vals in sorted(reference.items()):
                ax.axhline(sorted(vals)[len(vals) // 2], color=_thread_colour(threads, all_threads), linestyle=":",
                           linewidth=1.2, label=f"memory engine (all local), {threads} thr")
        ax.set_xscale("log")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("cache / dataset record bytes (engine.cache_fraction)")
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    flat[0].legend(fontsize=6)
    transports = sorted({v for v, _ in lines}, key=lambda v: v.sort_key)
    label = "transport: " + "; ".join(v.label for v in transports) + f", THP: {thp}"
    return style.save(fig, outdir, f"{FAMILY}_vs_cache_thp-{style.safe_name(thp)}",
                      "paged-kv: throughput of the contest's mixed phase vs the local page cache", label)


def _bar_label(r):
    threads = loader.config_value(r.config, "workload.threads") or 1
    if r.engine == "paged-kv":
        frac = loader.config_value(r.config, "engine.cache_fraction")
        return f"paged-kv {identity.transport_variant(r).short} cache {frac:g}, {threads} thr"
    return f"{r.engine}, {threads} thr"


def _phases(thp, runs, outdir):
    bars = []
    for r in runs:
        score = r.doc.get("contest_score") or {}
        phases = score.get("phases") or {}
        if all(isinstance(phases.get(n), (int, float)) for n in CONTEST_PHASES):
            bars.append((_bar_label(r), [phases[n] for n in CONTEST_PHASES]))
    if not bars:
        return []
    bars.sort()
    fig, axes = style.new_figure(1, 1, figsize=(max(6.4, 0.42 * len(bars) + 2), 5.2))
    ax = axes[0][0]
    bottoms = [0.0] * len(bars)
    colours = ("#0072B2", "#D55E00", "#009E73", "#E69F00")
    for i, name in enumerate(CONTEST_PHASES):
        vals = [b[1][i] for b in bars]
        ax.bar(range(len(bars)), vals, bottom=bottoms, color=colours[i], label=name)
        bottoms = [a + v for a, v in zip(bottoms, vals)]
    ax.set_xticks(range(len(bars)))
    ax.set_xticklabels([b[0] for b in bars], rotation=75, ha="right", fontsize=6)
    ax.set_ylabel("phase time (s); the sum is the contest score")
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    transports = sorted({identity.transport_variant(r) for r in runs}, key=lambda v: v.sort_key)
    label = "transport: " + "; ".join(v.label for v in transports) + f", THP: {thp}"
    return style.save(fig, outdir, f"{FAMILY}_contest_phases_thp-{style.safe_name(thp)}",
                      "The contest's score by phase (lower is better)", label)


def warmup_series(result):
    """(ready_ms, interval_ms, [hit ratio per interval]) of the first run phase after a recover
    phase, from the engine's timeline; None when the run has none."""
    seen, ready, after = 0, None, False
    for p in result.phases():
        if p.get("type") == "recover":
            rec = p.get("recovery") or {}
            if rec.get("ok"):
                ready, after = rec.get("duration_ms"), True
            continue
        if p.get("type") not in ("load", "run"):
            continue
        if after and p.get("type") == "run":
            e = _engine_phase(result, seen) or {}
            t = e.get("timeline") or {}
            if t.get("hit_ratio") and t.get("interval_ms"):
                return ready, t["interval_ms"], t["hit_ratio"]
            return None
        seen += 1
    return None


def _warmup(thp, runs, outdir):
    series = [(r, warmup_series(r)) for r in runs if r.engine == "paged-kv"]
    series = [(r, s) for r, s in series if s is not None]
    if not series:
        return []
    fig, axes = style.new_figure(1, 1, figsize=(6.4, 4.2))
    ax = axes[0][0]
    for r, (ready, interval, hits) in sorted(series, key=lambda rs: identity.transport_variant(rs[0]).sort_key):
        xy = [((i + 1) * interval / 1e3, h) for i, h in enumerate(hits) if isinstance(h, (int, float))]
        if not xy:
            continue
        variant = identity.transport_variant(r)
        ready_text = f"index loaded in {ready:.0f} ms" if isinstance(ready, (int, float)) else "index load time n/a"
        keys = loader.config_value(r.config, "dataset.keys")
        size = f", {keys / 1e6:g} M keys" if isinstance(keys, (int, float)) else ""
        ax.plot([x for x, _ in xy], [y for _, y in xy], linestyle=style.transport_linestyle(variant),
                marker=".", label=f"paged-kv over {variant.short}{size} ({ready_text})")
    ax.set_xlabel("time since the run after the recovery began (s)")
    ax.set_ylabel("cache hit ratio per interval")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    transports = sorted({identity.transport_variant(r) for r, _ in series}, key=lambda v: v.sort_key)
    label = "transport: " + "; ".join(v.label for v in transports) + f", THP: {thp}"
    return style.save(fig, outdir, f"{FAMILY}_warmup_thp-{style.safe_name(thp)}",
                      "paged-kv after a recovery: the cache warming up (pages fetched on demand)", label)


def targets_text(runs):
    """Per transport variant and thread count: throughput at 25% cache over every page local."""
    by = {}
    for r in runs:
        m = point(r)
        if r.engine != "paged-kv" or m is None or m["fraction"] is None:
            continue
        by.setdefault((identity.transport_variant(r), m["threads"]), []).append(m)
    out = []
    for (variant, threads), pts in sorted(by.items(), key=lambda kv: (kv[0][0].sort_key, kv[0][1])):
        part = [p for p in pts if abs(p["fraction"] - TARGET_CACHE) < 1e-9]
        full = [p for p in pts if p["fraction"] >= 1]
        if not part or not full:
            out.append(f"{variant.label}, {threads} threads: ratio n/a (needs cache_fraction {TARGET_CACHE} and >= 1)")
            continue
        a, b = part[0]["ops_per_s"], max(p["ops_per_s"] for p in full)
        ratio = a / b
        applies = variant.type == "shm" and not variant.link_gbps
        verdict = ("met" if ratio >= TARGET_FRACTION else "NOT met") if applies else "the target is for shm only"
        out.append(f"{variant.label}, {threads} threads: mixed phase {a:,.0f} ops/s with {TARGET_CACHE:g} of the data "
                   f"cached / {b:,.0f} ops/s all local = {ratio:.2f} (target {TARGET_FRACTION}: {verdict})")
    return out


def draw(results, outdir):
    results = loader.as_results(results)
    runs = [r for r in results if r.kind == "experiment" and r.engine in ("paged-kv", "memory")]
    if not any(r.engine == "paged-kv" for r in runs):
        style.say(FAMILY, "nothing to draw (no paged-kv result)")
        return []
    paths = []
    by_thp = {}
    for r in runs:
        by_thp.setdefault(r.thp_mode, []).append(r)
    for thp, group in sorted(by_thp.items()):
        contest = [r for r in group if _phase(r, "mixed") is not None]
        paths += _vs_cache(thp, contest, outdir)
        paths += _phases(thp, contest, outdir)
        paths += _warmup(thp, group, outdir)
    return paths + style.write_targets(FAMILY, outdir, targets_text(runs))
