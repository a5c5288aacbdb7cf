#!/usr/bin/env python3
"""The layer order (ARCHITECTURE.md): a folder may include only itself and the folders below it.

    harness > engines > transport > measure > workloads > base

Every `#include "folder/..."` in every source file of a layer must name a folder at or below that
layer. tests/, bench/ and fuzz/ (the libFuzzer targets) sit beside the layers: each may include
any layer and itself, but not the other two, and no layer includes any of them. A few folders are held to a narrower list (NARROW: the RDB
library is shared by several engines, so it may use only what they all can). Exits 1 listing every
include that breaks the order.
Usage: layers_test.py [REPO_ROOT]
"""
import pathlib
import re
import sys

LAYERS = ["base", "workloads", "measure", "transport", "engines", "harness"]
RANK = {name: i for i, name in enumerate(LAYERS)}
# Folders beside the layers: they may include every layer and their own files, nothing else.
BESIDE = ["tests", "bench", "fuzz"]
# folder -> the include prefixes its files may use (besides the layer order).
NARROW = {
    "engines/rdb": ("base/", "engines/rdb/", "engines/content_digest.h", "engines/kvstore/"),
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def violations(root):
    out = []
    for layer in LAYERS:
        for path in sorted((root / layer).rglob("*")):
            if path.suffix not in (".h", ".cc", ".in"):
                continue
            text = path.read_text(errors="replace")
            for m in INCLUDE.finditer(text):
                target = m.group(1)
                top = target.split("/", 1)[0] if "/" in target else None
                if top is None:
                    continue  # a generated header next to the build (build_info.h)
                line = text.count("\n", 0, m.start()) + 1
                where = f"{path.relative_to(root)}:{line}"
                if top not in RANK:
                    out.append(f"{where}: includes \"{target}\": {top}/ is not a layer a source file may use")
                elif RANK[top] > RANK[layer]:
                    out.append(f"{where}: includes \"{target}\": {layer}/ may not include {top}/, a layer above it")
                else:
                    out.extend(narrow_violation(path.relative_to(root), where, target))
    for side in BESIDE:
        for path in sorted((root / side).rglob("*")):
            if path.suffix not in (".h", ".cc") or not path.is_file():
                continue
            text = path.read_text(errors="replace")
            for m in INCLUDE.finditer(text):
                target = m.group(1)
                top = target.split("/", 1)[0] if "/" in target else None
                if top is None or top in RANK or top == side:
                    continue
                line = text.count("\n", 0, m.start()) + 1
                out.append(f"{path.relative_to(root)}:{line}: includes \"{target}\": {side}/ may include only the layers and {side}/")
    return out


def narrow_violation(rel, where, target):
    for folder, allowed in NARROW.items():
        if rel.as_posix().startswith(folder + "/") and not target.startswith(allowed):
            return [f"{where}: includes \"{target}\": {folder}/ may include only {', '.join(allowed)}"]
    return []


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
    missing = [layer for layer in LAYERS if not (root / layer).is_dir()]
    if missing:
        print(f"layers_test: missing layer folders: {', '.join(missing)}", file=sys.stderr)
        return 1
    bad = violations(root)
    for v in bad:
        print(v)
    if bad:
        print(f"layers_test: {len(bad)} include(s) break the layer order {' < '.join(LAYERS)}", file=sys.stderr)
        return 1
    print(f"layers_test: every include follows {' < '.join(LAYERS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
