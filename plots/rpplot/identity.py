"""What a result is, for grouping and styling: its engine key (engine and mode), its transport
variant (type and link model) and its page mode (4 KiB pages or THP).

engine_key: "rdb-fork", "rdma-pingpong/parent-posts", "mempool-offload/fork-copy": the engine type
and, for engines with modes, the value of the config field MODE_FIELDS names. style.ENGINE_STYLES
is keyed by it.
"""
from collections import namedtuple

from . import loader, style

# engine type -> the config field under `engine` whose value is part of the engine key
MODE_FIELDS = {"rdma-pingpong": "fork_mode", "mempool-offload": "snapshot_mode"}


def engine_key(result):
    engine = result.engine or "?"
    field = MODE_FIELDS.get(engine)
    mode = loader.config_value(result.config, f"engine.{field}") if field else None
    return f"{engine}/{mode}" if mode not in (None, "") else engine


class TransportVariant(namedtuple("TransportVariant", "type link_gbps link_latency_us")):
    """A transport as figures tell it apart: shm with a 25 Gbit/s link model is not plain shm."""

    @property
    def label(self):
        """The long name (figure captions): only verbs is called RDMA (style.transport_label)."""
        return style.transport_label(self.type) + self._link_text(" Gbit/s link model")

    @property
    def short(self):
        """The short name (legends, bar groups)."""
        name = "verbs (RDMA)" if self.type == "verbs" else self.type
        return name + self._link_text(" Gbit/s link")

    def _link_text(self, unit):
        if not self.link_gbps:
            return ""
        text = f", {self.link_gbps:g}{unit}"
        if self.link_latency_us:
            text += f" + {self.link_latency_us:g} µs"
        return text

    @property
    def sort_key(self):
        order = {"none": 0, "shm": 1, "tcp": 2, "verbs": 3}
        return (order.get(self.type, 9), self.type, -(self.link_gbps or 0) if self.link_gbps else float("-inf"))


def _number(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def transport_variant(result):
    """The transport a result ran on. Experiments: config transport.type and transport.link.*
    (bandwidth 0 = no link model); probe-transport results: probe.transport.type and link_model."""
    if result.kind == "probe-transport":
        t = (result.doc.get("probe") or {}).get("transport") or {}
        link = t.get("link_model") or {}
        return TransportVariant(t.get("type") or result.transport, _number(link.get("bandwidth_gbps")),
                                _number(link.get("latency_us")))
    ttype = loader.config_value(result.config, "transport.type") or result.transport
    return TransportVariant(str(ttype), _number(loader.config_value(result.config, "transport.link.bandwidth_gbps")),
                            _number(loader.config_value(result.config, "transport.link.latency_us")))


def page_mode(result):
    """'THP' or '4 KiB' for the engine's memory: the engine's `thp` option (never: 4 KiB; madvise:
    THP unless the system mode is never; default or absent: THP only when the system mode is
    always), the system mode being the context's thp_mode."""
    system = result.thp_mode
    option = loader.config_value(result.config, "engine.thp")
    if option == "never":
        return "4 KiB"
    if option == "madvise":
        return "THP" if system in ("always", "madvise") else "4 KiB"
    return "THP" if system == "always" else "4 KiB"
