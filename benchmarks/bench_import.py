"""Case 1: cold import in a fresh interpreter.

The child runs ``from <pkg> import <JWT auth class>, <JWT config class>``, then
prints ``len(sys.modules)`` (counted before anything else is imported) and its
own peak RSS. The parent times the whole process: interpreter start, the
import, exit. A bare interpreter (``pass``) is timed alongside as the baseline
nobody can beat.

Peak RSS is the child's ``VmHWM`` from ``/proc/self/status``: the high-water
mark of the memory map the child got at exec. ``ru_maxrss`` would not do: on
Linux it carries the parent's peak across fork and exec, so every child would
report at least this benchmark's own size (proc(5); getrusage(2)). Where
``/proc`` is missing the figure is left out rather than guessed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from typing import Any

from bench_stats import NOT_INSTALLED, paired, summary

STATEMENTS = {
    "boxauth": "from boxauth import BoxJWTAuth, JWTConfig",
    "box_sdk_gen": "from box_sdk_gen import BoxJWTAuth, JWTConfig",
    "bare": "pass",
}

CHILD = """{stmt}
import sys
_n = len(sys.modules)
_hwm = -1
try:
    with open("/proc/self/status") as _f:
        for _line in _f:
            if _line.startswith("VmHWM:"):
                _hwm = int(_line.split()[1])
except OSError:
    pass
sys.stdout.write("%d %d\\n" % (_n, _hwm))
"""

FIGURES = ("wall_s", "modules", "peak_rss_mib")


def _one(stmt: str) -> dict[str, float]:
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
    modules, hwm_kib = (int(x) for x in done.stdout.split())
    return {
        "wall_s": wall,
        "modules": float(modules),
        "peak_rss_mib": hwm_kib / 1024.0 if hwm_kib >= 0 else float("nan"),
    }


def run(runs: int) -> dict[str, Any]:
    sides = ["boxauth", "bare"]
    have_sdk = importlib.util.find_spec("box_sdk_gen") is not None
    if have_sdk:
        sides.insert(1, "box_sdk_gen")
    samples: dict[str, list[dict[str, float]]] = {s: [] for s in sides}
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
        out[side] = {key: summary([s[key] for s in samples[side]]) for key in FIGURES}
        out[side]["statement"] = STATEMENTS[side]
    if have_sdk:
        # run i of boxauth ÷ run i of box_sdk_gen: the two ran back to back.
        out["ratios_per_run"] = {
            key: paired(
                [s[key] for s in samples["boxauth"]], [s[key] for s in samples["box_sdk_gen"]]
            )
            for key in FIGURES
        }
    return out
