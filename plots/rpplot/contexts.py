"""What a result was measured on, and the rule that one line never mixes it.

A result's context key is the machine (host, CPU model, kernel), the build (git commit, build type,
compiler) and the system THP mode, read from its `context` block. Results with different keys
are not repeats of one another: a line (or a point) drawn from them would average two machines,
two builds or two page modes. check_same() refuses that with a MixedContextError whose message
names the line, the fields that differ and their values, unless the caller allows it; then
describe() says in the caption what was mixed.
"""
from collections import namedtuple

FIELDS = ("host", "cpu_model", "kernel", "git_commit", "build_type", "compiler", "thp_mode")
WHAT = {"host": "machine", "cpu_model": "machine", "kernel": "machine", "git_commit": "build",
        "build_type": "build", "compiler": "build", "thp_mode": "THP mode"}

ContextKey = namedtuple("ContextKey", FIELDS)


class MixedContextError(ValueError):
    """Results of different contexts asked to make one line; the message says which differ."""


def context_key(result):
    ctx = result.context
    return ContextKey(*(str(ctx.get(f)) if ctx.get(f) is not None else "unknown" for f in FIELDS))


def partition(results):
    """{ContextKey: [results]} in first-seen order."""
    groups = {}
    for r in results:
        groups.setdefault(context_key(r), []).append(r)
    return groups


def differences(results):
    """{field: [distinct values in first-seen order]} for the fields that differ."""
    out = {}
    keys = [context_key(r) for r in results]
    for i, field in enumerate(FIELDS):
        values = list(dict.fromkeys(k[i] for k in keys))
        if len(values) > 1:
            out[field] = values
    return out


def describe(results):
    """'host: a | b; git_commit: x | y' for what differs among the results ('' if nothing)."""
    return "; ".join(f"{field}: {' | '.join(values)}" for field, values in differences(results).items())


def check_same(results, what, allow_mixed=False):
    """Raises MixedContextError unless every result shares one context (or allow_mixed).
    Returns the differences (empty when there are none)."""
    diff = differences(results)
    if diff and not allow_mixed:
        kinds = sorted({WHAT[f] for f in diff})
        raise MixedContextError(
            f"{what} would mix results of different {' / '.join(kinds)} ({describe(results)}); "
            f"refusing (pick one with --context FIELD=VALUE, or draw anyway with --allow-mixed-contexts)")
    return diff


def matches(result, selectors):
    """True when the result's context has every FIELD=VALUE of `selectors` ({field: value})."""
    key = context_key(result)._asdict()
    ctx = result.context
    return all(str(key.get(f, ctx.get(f))) == v for f, v in selectors.items())
