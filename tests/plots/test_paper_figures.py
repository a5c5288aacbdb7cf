"""Every paper figure module on the synthetic fixture tree (no files written: make() only): its
axes hold the expected series, it raises NoData when its results are missing, and it refuses a
line whose results come from different machines, builds or THP modes unless told to."""
import unittest

import matplotlib

import paper_helpers as ph
from rpplot import contexts, identity
from rpplot.paper import registry
from rpplot.paper.spec import FigureInputs, NoData

matplotlib.use("Agg")

ENGINE_LINES = [
    "rdb-fork", "redis",
    "rdma-pingpong/child-connect over shm", "rdma-pingpong/child-connect over shm, 25 Gbit/s link",
    "rdma-pingpong/child-connect over tcp",
    "rdma-pingpong/parent-posts over shm", "rdma-pingpong/parent-posts over shm, 25 Gbit/s link",
    "rdma-pingpong/parent-posts over tcp",
    "mempool-offload/fork-copy over shm", "mempool-offload/fork-direct over shm", "mempool-offload/pause over shm",
]


def make(number, **kw):
    return registry.BY_NUMBER[number].make(ph.figure_inputs(number, **kw))


def line_data(ax, label):
    """(xs, ys) of the line (an errorbar container or a plain line) labelled `label`."""
    for handle, text in zip(*ax.get_legend_handles_labels()):
        if text == label:
            line = handle.lines[0] if hasattr(handle, "lines") else handle
            return list(line.get_xdata()), list(line.get_ydata())
    raise AssertionError(f"no line {label!r} in {ph.legend_labels(ax)}")


class SeriesTest(unittest.TestCase):
    def test_fig1_snapshot_duration_every_engine(self):
        [made] = make(1)
        ax, legend_ax = made.fig.axes
        self.assertEqual(ph.legend_labels(ax), ENGINE_LINES)
        self.assertEqual([t.get_text() for t in legend_ax.get_legend().get_texts()], ENGINE_LINES)
        self.assertEqual((ax.get_xscale(), ax.get_yscale()), ("log", "log"))
        self.assertIn("GB of keys + values", ax.get_xlabel())
        self.assertIn("ms", ax.get_ylabel())
        xs, ys = line_data(ax, "rdb-fork")
        self.assertEqual(len(xs), 2)  # two dataset sizes, each a median over two repeats
        expected = sorted(r.doc["phases"][1]["snapshots"][0]["duration_ms"] for r in made.results
                          if r.engine == "rdb-fork" and r.sweep == "redis-vs-rdb-fork")
        self.assertEqual(ys, [expected[0], expected[-1]])
        self.assertEqual(made.repeats, "median of N = 1-2 repeats per point, bars: min to max")
        self.assertFalse(any(r.sweep == "contest" for r in made.results))  # no snapshots there

    def test_fig2_recovery(self):
        [made] = make(2)
        self.assertEqual(ph.legend_labels(made.fig.axes[0]), ENGINE_LINES)
        self.assertIn("recovery (ms", made.fig.axes[0].get_ylabel())

    def test_fig3_tail_latency_with_the_no_snapshot_line(self):
        [made] = make(3)
        left, right = made.fig.axes
        self.assertEqual((left.get_title(), right.get_title()), ("p99 during the snapshot", "p99.9 during the snapshot"))
        labels = ph.legend_labels(right)
        self.assertIn("same runs, outside the snapshot", labels)
        self.assertIn("rdb-fork, keys=1,400,000", labels)  # dataset size splits lines vs write rate
        self.assertIn("mempool-offload/pause over shm, keys=5,600,000", labels)
        self.assertIn("write rate", left.get_xlabel())
        # the dotted line of each engine (outside the snapshot) is there, below its during line
        dotted = [ln for ln in left.get_lines() if ln.get_linestyle() == ":" and len(ln.get_xdata())]
        self.assertGreaterEqual(len(dotted), len(labels) - 1)

    def test_fig4_one_cdf_panel_per_engine_near_1gb(self):
        [made] = make(4)
        panels = [ax for ax in made.fig.axes if ax.get_visible()]
        self.assertEqual(len(panels), len(ENGINE_LINES))
        for ax in panels:
            self.assertIn("GB", ax.get_title())
            self.assertEqual([t.split(" (")[0] for t in ph.legend_labels(ax)], ["outside", "during"])
        self.assertIn("pooled", made.repeats)

    def test_fig5_a_timeline_per_engine_with_events(self):
        made = make(5)
        self.assertEqual([m.part_title.split(") ", 1)[1] for m in made], ENGINE_LINES)
        self.assertEqual(made[0].part, "a-rdb-fork")
        top, bottom = made[0].fig.axes
        labels = ph.legend_labels(top)
        for event in ("p99 per interval", "snapshot start", "fork returned", "child done", "reaped"):
            self.assertIn(event, labels)
        self.assertEqual(bottom.get_ylabel(), "kops/s")
        self.assertIn("repeat 0 of N = 2", made[0].repeats)
        pause = [m for m in made if "pause" in m.part_title][0]
        self.assertNotIn("fork returned", ph.legend_labels(pause.fig.axes[0]))  # no fork, no fork event

    def test_fig6_fork_pause_4k_vs_thp_next_to_the_probe(self):
        [made] = make(6)
        engines, probe = made.fig.axes
        labels = ph.legend_labels(engines)
        self.assertIn("rdb-fork, THP, sweep rdb-fork, rate=10,000", labels)
        self.assertIn("rdb-fork, 4 KiB, sweep rdb-fork, rate=10,000", labels)
        self.assertIn("redis, 4 KiB", labels)
        self.assertFalse([x for x in labels if "pause" in x])  # no fork, no fork time
        self.assertEqual(ph.legend_labels(probe), ["4 KiB", "THP"])
        self.assertIn("probe: median of its own repeats", made.repeats)

    def test_fig7_cow_for_fork_based_engines_only(self):
        [made] = make(7)
        labels = ph.legend_labels(made.fig.axes[0])
        self.assertIn("rdb-fork, sweep rdb-fork, thp=madvise", labels)
        self.assertFalse([x for x in labels if "pause" in x])
        xs, ys = line_data(made.fig.axes[0], "rdb-fork, sweep rdb-fork, thp=never")
        self.assertEqual(xs, [2500.0, 10000.0])  # rate x write share 0.25
        self.assertLess(ys[0], ys[1])

    def test_fig8_fraction_of_the_probe_per_transport(self):
        [made] = make(8)
        ax = made.fig.axes[0]
        groups = [t.get_text().split("\n")[0] for t in ax.get_xticklabels()]
        self.assertEqual(groups, ["shm", "shm, 25 Gbit/s link", "tcp"])
        self.assertEqual(ph.legend_labels(ax), ["probe's peak", "rdma-pingpong/child-connect", "rdma-pingpong/parent-posts",
                                                "mempool-offload/fork-copy", "mempool-offload/fork-direct",
                                                "mempool-offload/pause"])
        self.assertEqual(len(ax.patches), 9)  # 5 engines on shm, 2 on each of the others
        self.assertTrue(all(0 < p.get_height() < 1 for p in ax.patches))
        self.assertTrue(any(r.kind == "probe-transport" for r in made.results))

    def test_fig9_paged_kv_and_the_contest_phases(self):
        [made] = make(9)
        left, right = made.fig.axes
        self.assertEqual(ph.legend_labels(left), ["write", "delete", "rewrite", "mixed"])
        xs, _ = line_data(left, "mixed")
        self.assertEqual(xs, [0.1, 0.25, 0.5])
        # The bars: the all-local memory engine and paged-kv at 25% and all of the data cached
        # (the fixture has 0.25 of those); the left panel keeps every fraction.
        self.assertEqual(ph.legend_labels(right), ["paged-kv over shm", "memory"])
        self.assertEqual([t.get_text() for t in right.get_xticklabels()], ["write", "delete", "rewrite", "mixed"])

    def test_fig10_transport_probe(self):
        [made] = make(10)
        bw, lat = made.fig.axes
        self.assertEqual(ph.legend_labels(bw), ["shm write", "shm read", "shm, 25 Gbit/s link write",
                                                "shm, 25 Gbit/s link read", "tcp write", "tcp read"])
        self.assertEqual(ph.legend_labels(lat)[:2], ["shm p50", "shm p99"])
        self.assertEqual([t.get_text() for t in bw.get_xticklabels()], ["4K", "64K", "1M", "16M"])
        self.assertNotIn("RDMA", " ".join(ph.legend_labels(bw) + ph.legend_labels(lat)))

    def test_every_figure_has_a_test_here(self):
        tested = {int(n[len("test_fig"):].split("_")[0]) for n in dir(self) if n.startswith("test_fig")}
        self.assertEqual(tested, set(registry.BY_NUMBER))


class MissingTest(unittest.TestCase):
    def test_no_results_is_no_data(self):
        for module in registry.FIGURES:
            with self.subTest(figure=module.NUMBER), self.assertRaises(NoData) as cm:
                module.make(FigureInputs([], []))
            self.assertTrue(str(cm.exception))

    def test_results_without_what_a_figure_needs(self):
        contest = [r for r in ph.fixture_inputs().all_results() if r.sweep == "contest"]
        for number in (1, 2, 3, 4, 5, 6, 7):  # the contest runs have no snapshot
            with self.subTest(figure=number), self.assertRaises(NoData):
                registry.BY_NUMBER[number].make(FigureInputs(contest, []))
        engines = ph.figure_inputs(8).experiments
        with self.assertRaisesRegex(NoData, "no probe-transport result"):
            registry.BY_NUMBER[8].make(FigureInputs(engines, []))
        # a probe of another machine is no denominator: the bars are left out, so nothing is left
        probes = [ph.with_context(p, host="elsewhere") for p in ph.figure_inputs(8).probes]
        with self.assertRaisesRegex(NoData, "probe result on its machine"):
            registry.BY_NUMBER[8].make(FigureInputs(engines, probes))


_FIRST_USED = {}


def first_used(number):
    """The first result figure `number` draws from (made once per figure)."""
    if number not in _FIRST_USED:
        _FIRST_USED[number] = make(number)[0].results[0]
    return _FIRST_USED[number]


class MixedContextTest(unittest.TestCase):
    def _inputs_with_a_foreign_repeat(self, number, **context):
        inputs = ph.figure_inputs(number)
        first = first_used(number)
        other = ph.with_context(first, **context)
        if first.kind == "experiment":
            inputs.experiments = inputs.experiments + [other]
        else:
            inputs.probes = inputs.probes + [other]
        return inputs

    def test_a_line_from_two_machines_builds_or_thp_modes_is_refused(self):
        for number in registry.BY_NUMBER:
            for field, value, kind in (("host", "other-host", "machine"), ("git_commit", "abc123", "build"),
                                       ("thp_mode", "always", "THP mode")):
                with self.subTest(figure=number, field=field):
                    inputs = self._inputs_with_a_foreign_repeat(number, **{field: value})
                    with self.assertRaises(contexts.MixedContextError) as cm:
                        registry.BY_NUMBER[number].make(inputs)
                    message = str(cm.exception)
                    self.assertIn(kind, message)
                    self.assertIn(f"{field}: ", message)
                    self.assertIn(value, message)
                    self.assertIn("--allow-mixed-contexts", message)
                    self.assertNotIn("\n", message)

    def test_allowed_when_asked(self):
        for number in registry.BY_NUMBER:
            with self.subTest(figure=number):
                inputs = self._inputs_with_a_foreign_repeat(number, host="other-host")
                inputs.allow_mixed = True
                made = registry.BY_NUMBER[number].make(inputs)
                if number != 5:  # a timeline draws one run of the point, not its repeats
                    self.assertIn("other-host", contexts.describe([r for m in made for r in m.results]))


class StyleTest(unittest.TestCase):
    def test_one_colour_and_marker_per_engine_in_every_figure(self):
        from rpplot import style
        pairs = list(style.ENGINE_STYLES.values())
        self.assertEqual(len(pairs), len(set(pairs)))
        seen = {}
        for number in (1, 3, 7):
            made = make(number)[0]
            for handle, label in zip(*made.fig.axes[0].get_legend_handles_labels()):
                if not hasattr(handle, "lines"):
                    continue
                line = handle.lines[0]
                engine = label.split(" over ")[0].split(",")[0]
                seen.setdefault(engine, set()).add((line.get_color(), line.get_marker()))
        for engine, styles in seen.items():
            self.assertEqual(len(styles), 1, engine)
            self.assertEqual(styles, {tuple(style.engine_style(engine).values())}, engine)

    def test_engine_keys_and_transport_variants(self):
        found = {identity.engine_key(r): identity.transport_variant(r).short for r in ph.fixture_inputs().all_results()
                 if r.kind == "experiment"}
        self.assertEqual(found["mempool-offload/pause"], "shm")
        self.assertEqual(found["rdb-fork"], "none")
        probes = {identity.transport_variant(r).label for r in ph.fixture_inputs().all_results()
                  if r.kind == "probe-transport"}
        self.assertEqual(probes, {"shm (shared memory, no network)", "tcp",
                                  "shm (shared memory, no network), 25 Gbit/s link model"})


if __name__ == "__main__":
    unittest.main()
