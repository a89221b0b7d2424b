"""Case 1: cold import in a fresh interpreter.

The child runs ``from <pkg> import <JWT auth class>, <JWT config class>``, then
prints ``len(sys.modules)`` (counted before anything else is imported) and its
own peak RSS (``ru_maxrss``, KiB on Linux). The parent times the whole process:
interpreter start, the import, exit. A bare interpreter (``pass``) is timed
alongside as the baseline nobody can beat.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from typing import Any

from bench_stats import NOT_INSTALLED, summary

STATEMENTS = {
    "boxauth": "from boxauth import BoxJWTAuth, JWTConfig",
    "box_sdk_gen": "from box_sdk_gen import BoxJWTAuth, JWTConfig",
    "bare": "pass",
}

CHILD = """{stmt}
import sys
_n = len(sys.modules)
import resource
sys.stdout.write("%d %d\\n" % (_n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def _one(stmt: str) -> tuple[float, int, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(stmt=stmt)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"child failed: {done.stderr.strip()[-500:]}")
    modules, rss_kib = done.stdout.split()
    return wall, int(modules), int(rss_kib) / 1024.0


def run(runs: int) -> dict[str, Any]:
    sides = ["boxauth", "bare"]
    have_sdk = importlib.util.find_spec("box_sdk_gen") is not None
    if have_sdk:
        sides.insert(1, "box_sdk_gen")
    samples: dict[str, list[tuple[float, int, float]]] = {s: [] for s in sides}
    # One warm-up each (page cache, .pyc files), then interleaved runs.
    for side in sides:
        _one(STATEMENTS[side])
    for i in range(runs):
        order = sides if i % 2 == 0 else list(reversed(sides))
        for side in order:
            samples[side].append(_one(STATEMENTS[side]))
    out: dict[str, Any] = {}
    for side in ("boxauth", "box_sdk_gen", "bare"):
        if side not in samples:
            out[side] = NOT_INSTALLED
            continue
        rows = samples[side]
        out[side] = {
            "wall_s": summary([r[0] for r in rows]),
            "modules": summary([r[1] for r in rows]),
            "peak_rss_mib": summary([r[2] for r in rows]),
            "statement": STATEMENTS[side],
        }
    if have_sdk:
        pairs = [
            a[0] / b[0] for a, b in zip(samples["boxauth"], samples["box_sdk_gen"], strict=True)
        ]
        out["wall_ratio_per_run"] = summary(pairs)
    return out
