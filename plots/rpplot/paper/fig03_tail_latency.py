"""Figure 3: foreground p99 and p99.9 latency of the ops that ran during a snapshot against the
write rate (open loop), one line per engine; the same runs' ops outside the snapshot dotted
(the no-snapshot line). Quantiles recomputed from the raw buckets."""
from . import canvas, dataset, metrics, series
from .spec import Made, NoData

NUMBER = 3
SLUG = "tail_latency"
TITLE = "Foreground tail latency during the snapshot vs write rate"
DESCRIPTION = ("p99 (left) and p99.9 (right) of every op whose interval overlapped a snapshot, from the "
               "histogram buckets of the run phases, open loop (latency from each op's intended start); "
               "dotted: the same runs' ops outside the snapshot. Write rate = target rate x write share "
               "of the mix")
POINT_FIELDS = ("measure.rate",)
QUANTILES = ((0.99, "p99"), (0.999, "p99.9"))


def _rate(r):
    return dataset.write_rate(r.config)


def make(inputs):
    results = [r for r in inputs.experiments if _rate(r) is not None
               and metrics.latency_quantile_ns(r, "during_snapshot", 0.99) is not None]
    if not results:
        raise NoData("no open-loop experiment result with ops during a snapshot")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the line")
    aggs_all = []
    with canvas.paper_rc():
        fig, axes = canvas.new("double", 2.7, 1, 2, sharey=True)
        for ax, (q, name) in zip(axes[0], QUANTILES):
            for line in lines:
                during = line.aggregate(POINT_FIELDS, _rate,
                                        lambda r, q=q: _us(metrics.latency_quantile_ns(r, "during_snapshot", q)),
                                        inputs.spread)
                normal = line.aggregate(POINT_FIELDS, _rate,
                                        lambda r, q=q: _us(metrics.latency_quantile_ns(r, "normal", q)), inputs.spread)
                aggs_all += during
                canvas.draw_line(ax, line, during)
                canvas.draw_line(ax, line, normal, label="_nolegend_", linestyle=":", alpha=0.7)
            ax.plot([], [], color="#555555", linestyle=":", label="same runs, outside the snapshot")
            canvas.log_axis(ax, "x")
            canvas.log_axis(ax, "y", minor_labels=False)
            ax.set_xlabel("write rate (writes/s, log)")
            ax.set_title(f"{name} during the snapshot", fontsize=7)
            ax.grid(alpha=0.3, which="both")
        axes[0][0].set_ylabel("latency (µs, log)")
        canvas.legend(axes[0][1], loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return [Made(fig, [r for a in aggs_all for r in a.results], series.repeats_text(aggs_all, inputs.spread),
                 width="double")]


def _us(ns):
    return ns / 1000.0 if ns is not None else None
