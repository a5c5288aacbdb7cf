"""Figure 1: snapshot duration against the dataset size, one line per engine (and mode, and
transport), log-log; median over repeats with error bars."""
from . import canvas, dataset, metrics, series
from .spec import Made, NoData

NUMBER = 1
SLUG = "snapshot_duration"
TITLE = "Snapshot duration vs dataset size"
DESCRIPTION = ("Wall time from the snapshot's start to its completion, mean over a run's successful "
               "snapshots, against the keys and values the store holds (dataset.keys x (key_size + "
               "mean value size))")
POINT_FIELDS = ("dataset.keys",)


def x_gb(r):
    b = dataset.dataset_bytes(r.config)
    return b / 1e9 if b else None


def dataset_axis(ax):
    canvas.log_axis(ax, "x")
    ax.set_xlabel("dataset (GB of keys + values, log)")


def draw_vs_dataset(inputs, y_of, ylabel, what):
    """The shape figures 1 and 2 share: y_of(result) against the dataset size, line per engine."""
    results = [r for r in inputs.experiments if y_of(r) is not None and x_gb(r) is not None]
    if not results:
        raise NoData(f"no experiment result with {what} and a dataset size")
    lines = series.build_lines(results, POINT_FIELDS, allow_mixed=inputs.allow_mixed, what="the line")
    with canvas.paper_rc():
        fig, ax, legend_ax = canvas.new_with_legend(1.6, len(lines))
        aggs_all = []
        for line in lines:
            aggs = line.aggregate(POINT_FIELDS, x_gb, y_of, inputs.spread)
            aggs_all += aggs
            canvas.draw_line(ax, line, aggs)
        dataset_axis(ax)
        canvas.log_axis(ax, "y")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        canvas.legend_into(legend_ax, ax)
    return [Made(fig, [r for a in aggs_all for r in a.results], series.repeats_text(aggs_all, inputs.spread))]


def make(inputs):
    return draw_vs_dataset(inputs, lambda r: metrics.snapshot_mean(r, "duration_ms"),
                           "snapshot duration (ms, log)", "a successful snapshot")
