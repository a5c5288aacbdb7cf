"""Figure 7: copy-on-write bytes per snapshot against the write rate, for the engines whose
snapshots copy on write (fork-based: their results have cow_bytes)."""
from . import canvas, dataset, metrics, series
from .spec import Made, NoData

NUMBER = 7
SLUG = "cow_bytes"
TITLE = "Copy-on-write bytes vs write rate (fork-based engines)"
DESCRIPTION = ("Mean parent copy-on-write bytes per successful snapshot (the child's Private_Dirty) "
               "against the write rate (target rate x write share of the mix), open loop")
POINT_FIELDS = ("measure.rate",)


def _rate(r):
    return dataset.write_rate(r.config)


def _cow_mib(r):
    v = metrics.snapshot_mean(r, "cow_bytes")
    return v / (1 << 20) if v is not None else None


def make(inputs):
    results = [r for r in inputs.experiments if _rate(r) is not None and _cow_mib(r) is not None]
    if not results:
        raise NoData("no open-loop experiment result with copy-on-write bytes")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the line")
    aggs_all = []
    with canvas.paper_rc():
        fig, ax, legend_ax = canvas.new_with_legend(1.6, len(lines))
        for line in lines:
            aggs = line.aggregate(POINT_FIELDS, _rate, _cow_mib, inputs.spread)
            aggs_all += aggs
            canvas.draw_line(ax, line, aggs)
        ax.set_xlabel("write rate (writes/s)")
        ax.set_ylabel("COW per snapshot (MiB)")
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        canvas.legend_into(legend_ax, ax)
    return [Made(fig, [r for a in aggs_all for r in a.results], series.repeats_text(aggs_all, inputs.spread))]
