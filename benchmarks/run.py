"""boxauth benchmarks, side by side with box_sdk_gen (PyPI boxsdk 10.x) and the floor.

One command runs every case, prints a markdown table and (with --json) writes
the raw figures:

    python benchmarks/run.py [--quick] [--json OUT] [--profile]

Install first: ``pip install '.[bench]'`` (boxauth plus boxsdk[jwt]). Without
box_sdk_gen the comparison cells read "not installed"; the rest still runs.

Every figure is the median over repeated rounds, with (min–max). Every ratio
is paired: boxauth's figure in round i divided by the other side's in round i
(the two measured back to back, in alternating order), and the row shows the
median of those per-round ratios. Benchmarks are not tests: nothing here
asserts a timing.

To add a row group: write a ``measure_*`` function (cfg, emulator, app
fixture -> raw results) and a ``*_rows`` function (raw results -> rows, built
with ``compare`` and ``count_row``), then add a ``Group`` to ``GROUPS``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_aio
import bench_bridge
import bench_cached
import bench_fetch
import bench_herd
import bench_import
import bench_redis
from bench_stats import NOT_INSTALLED, finite, fmt_range, fmt_ratio

FULL = {
    "import_runs": 15,
    "rounds": 7,
    "budget": 0.25,
    "fetches": 200,
    "fetch_rounds": 3,
    "herd_rounds": 3,
    "redis_trials": 20,
}
QUICK = {
    "import_runs": 4,
    "rounds": 3,
    "budget": 0.04,
    "fetches": 60,
    "fetch_rounds": 1,
    "herd_rounds": 1,
    "redis_trials": 3,
}
SDK = "box_sdk_gen"


# -- machine ---------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    versions = {}
    for dist in (
        "boxauth",
        "boxsdk",
        "urllib3",
        "cryptography",
        "python-jose",
        "returns",
        "requests",
        "PyJWT",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = NOT_INSTALLED
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "nproc": usable,
        "cpu_model": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": versions,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> float | None:
    """1-minute load average: how busy the machine was (others' work skews times)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


# -- building rows -----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of a side's results: its key, and how to print it."""

    key: str
    unit: str
    scale: float = 1.0
    digits: int = 2


def cell(side: Any, fig: Figure) -> str:
    """'median (min–max) unit' of a side's figure; a side that did not run says why."""
    if side is None:
        return "—"
    if isinstance(side, str):
        return side
    found = side.get(fig.key) if isinstance(side, dict) else None
    return fmt_range(found, fig.unit, fig.scale, fig.digits)


def row(
    rid: str,
    case: str,
    ours: str,
    other: str,
    *,
    other_name: str = SDK,
    ratio: dict[str, float] | None = None,
    target: str = "",
    met: bool | None = None,
    note: str = "",
) -> dict[str, Any]:
    """One table row. ``ratio`` is the summary of the per-round ratios (paired)."""
    return {
        "id": rid,
        "case": case,
        "boxauth": ours,
        "other": other,
        "other_name": other_name,
        "ratio": ratio["median"] if ratio else None,
        "ratio_range": [ratio["min"], ratio["max"]] if ratio else None,
        "target": target,
        "met": "n/a" if met is None else ("yes" if met else "NO"),
        "note": note,
    }


def compare(
    rid: str,
    case: str,
    ours: Any,
    other: Any,
    fig: Figure,
    ratio: dict[str, float] | None,
    *,
    target: str = "",
    ok: Callable[[float], bool] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """A row comparing one figure of two sides, with their paired ratio."""
    met = None if ok is None or ratio is None else ok(ratio["median"])
    return row(
        rid, case, cell(ours, fig), cell(other, fig), ratio=ratio, target=target, met=met, **kw
    )


def count_row(
    rid: str, case: str, ours: Any, other: Any, key: str, want: int, **kw: Any
) -> dict[str, Any]:
    """A row of counts where boxauth must hit ``want`` in every round."""
    found = ours.get(key) if isinstance(ours, dict) else None
    met = None if not isinstance(found, dict) else found["min"] == found["max"] == want
    fig = Figure(key, "")
    return row(
        rid, case, cell(ours, fig), cell(other, fig), target=f"exactly {want}", met=met, **kw
    )


# -- row groups: one measure function and one rows function each ---------------------

WALL_MS = Figure("wall_s", "ms", 1e3, 1)


def measure_import(cfg: dict[str, Any], emu: Any, fx: Any) -> Any:
    return bench_import.run(cfg["import_runs"])


def import_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    ours, sdk, bare = res["boxauth"], res[SDK], res["bare"]
    ratios = res.get("ratios_per_run", {})
    rss = Figure("peak_rss_mib", "MiB", digits=1)
    modules = Figure("modules", "")
    return [
        compare("import_wall", "cold import: whole-process wall time", ours, sdk, WALL_MS,
                ratios.get("wall_s"), target="≤ 0.10×", ok=lambda r: r <= 0.10),
        compare("import_modules", "cold import: modules in sys.modules", ours, sdk, modules,
                ratios.get("modules")),
        compare("import_rss", "cold import: peak RSS of the child (VmHWM)", ours, sdk, rss,
                ratios.get("peak_rss_mib")),
        row("import_bare", "cold import: bare interpreter (`pass`), for reference",
            cell(bare, WALL_MS), "", other_name="",
            note=f"modules {cell(bare, modules)}, peak RSS {cell(bare, rss)}"),
    ]  # fmt: skip


def measure_cached(cfg: dict[str, Any], emu: Any, fx: Any) -> Any:
    return bench_cached.run(cfg["rounds"], cfg["budget"])


CACHED_NOTE = (
    "calls/s; boxauth checks the stored token and its expiry on every call "
    "(lock-free while fresh), box_sdk_gen never checks expiry"
)


def cached_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    calls = Figure("calls_per_s", "/s")
    cases = {
        "memory": ("cached_memory", "in-memory storage", "time_ratio_per_round",
                   "time/call ≤ 1.5×", lambda r: r <= 1.5, "time per call"),
        "file": ("cached_file", "file storage", "rate_ratio_per_round",
                 "rate ≥ 10×", lambda r: r >= 10, "rate"),
        "file_cached": ("cached_file_cache", "file + in-memory cache", "rate_ratio_per_round",
                        "", None, "rate"),
    }  # fmt: skip
    out = []
    for kind, (rid, label, ratio_key, target, ok, basis) in cases.items():
        entry = res[kind]
        out.append(
            compare(rid, f"cached retrieve_token, {label}", entry["boxauth"], entry[SDK], calls,
                    entry.get(ratio_key), target=target, ok=ok,
                    note=f"{CACHED_NOTE}; ratio = {basis}")
        )  # fmt: skip
    return out


def measure_fetch(cfg: dict[str, Any], emu: Any, fx: Any) -> Any:
    return bench_fetch.run(emu, fx, cfg["fetch_rounds"], cfg["fetches"])


FLOOR_NOTE = "floor: cryptography RSA sign + one urllib3 POST (kept alive) + json.loads"


def fetch_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    ratios, n = res["ratios_per_round"], res["fetches_per_round"]
    out = []
    for grant in ("ccg", "jwt"):
        for q in ("p50", "p99"):
            out.append(
                compare(f"fetch_{grant}_{q}", f"{grant.upper()} token fetch, {q} ({n} fetches/round)",
                        res[f"boxauth/{grant}"], res[f"{SDK}/{grant}"], Figure(f"{q}_s", "ms", 1e3),
                        ratios.get(f"{grant}_{q}_vs_sdk"))
            )  # fmt: skip
    for q, target, ok in (("p50", "≤ 1.15×", lambda r: r <= 1.15), ("p99", "", None)):
        out.append(
            compare(f"floor_jwt_{q}", f"JWT fetch vs the floor, {q}", res["boxauth/jwt"],
                    res["floor/jwt"], Figure(f"{q}_s", "ms", 1e3), ratios.get(f"jwt_{q}_vs_floor"),
                    target=target, ok=ok, other_name="floor", note=FLOOR_NOTE)
        )  # fmt: skip
    return out


def measure_herd(cfg: dict[str, Any], emu: Any, fx: Any) -> Any:
    return bench_herd.run(emu, fx, cfg["herd_rounds"])


def herd_rows(res: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for grant in ("ccg", "jwt"):
        case = res[grant]
        ours, sdk, label = case["boxauth"], case[SDK], grant.upper()
        out += [
            count_row(f"herd_{grant}_requests",
                      f"herd, {label}, {bench_herd.THREADS} threads, no token: token requests",
                      ours, sdk, "token_requests", 1),
            compare(f"herd_{grant}_wall", f"herd, {label}: wall time", ours, sdk, WALL_MS,
                    case.get("wall_ratio_per_round")),
        ]  # fmt: skip
    case = res["oauth"]
    ours, sdk = case["boxauth"], case[SDK]
    mode = sdk["rounds"][0]["mode"] if isinstance(sdk, dict) and sdk["rounds"] else ""
    return [
        *out,
        count_row("herd_oauth_refreshes", "herd, OAuth, access token expired: refreshes",
                  ours, sdk, "refreshes", 1,
                  note=f"boxauth: {bench_herd.THREADS}× retrieve_token"
                  + (f"; box_sdk_gen: {bench_herd.THREADS}× {mode}" if mode else "")),
        count_row("herd_oauth_invalid_grant", "herd, OAuth: invalid_grant failures",
                  ours, sdk, "invalid_grant", 0),
        compare("herd_oauth_wall", "herd, OAuth: wall time", ours, sdk, WALL_MS,
                case.get("wall_ratio_per_round"),
                note="box_sdk_gen's includes its 1–3 s retry sleep after the 401"
                if "401" in mode else ""),
    ]  # fmt: skip


@dataclass(frozen=True)
class Group:
    """A group of rows: what to measure, and how its results become rows."""

    name: str
    measure: Callable[[dict[str, Any], Any, Any], Any]
    rows: Callable[[Any], list[dict[str, Any]]]


GROUPS = (
    Group("cold import", measure_import, import_rows),
    Group("cached retrieve_token", measure_cached, cached_rows),
    Group("token fetch and floor", measure_fetch, fetch_rows),
    Group("thundering herd", measure_herd, herd_rows),
    Group("401 herd through box_sdk_gen's client", bench_bridge.measure,
          lambda res: bench_bridge.rows(res, compare, count_row, WALL_MS)),
    Group("Redis token storage",
          lambda cfg, emu, fx: bench_redis.run(cfg["rounds"], cfg["budget"], cfg["redis_trials"]),
          bench_redis.rows),
    Group("asyncio shell",
          lambda cfg, emu, fx: bench_aio.run(emu, fx, cfg["rounds"], cfg["budget"]),
          bench_aio.rows),
)


def rows_of(group: Group, res: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The group's rows; a group that failed (to measure, or to tabulate) is one error row."""
    if not isinstance(res, str):
        res = _guard(group.name, lambda: group.rows(res), errors)
        if not isinstance(res, str):
            return res
    rid = group.name.replace(" ", "_")
    return [row(rid, f"{group.name}: FAILED", res, res, other_name="")]


# -- output ----------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown, as README's Performance section shows it."""
    lines = [
        "| case | boxauth | the other side | ratio | target | met? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        other = r["other"]
        # box_sdk_gen is the usual other side; any other (the floor, the sync
        # shell, the in-memory storage) is named in the cell.
        if r["other_name"] not in (SDK, "") and other not in ("", "—"):
            other = f"{r['other_name']}: {other}"
        case = r["case"] + (f" — *{r['note']}*" if r["note"] else "")
        ratio = fmt_ratio(r["ratio"]) if r["ratio"] is not None else "—"
        lines.append(
            f"| {case} | {r['boxauth']} | {other} | {ratio} | {r['target']} | {r['met']} |"
        )
    return "\n".join(lines)


def _guard(name: str, fn: Any, errors: dict[str, str]) -> Any:
    try:
        return fn()
    except Exception as exc:
        errors[name] = traceback.format_exc()
        return f"error: {type(exc).__name__}: {str(exc)[:120]}"


def profile_boxauth(emu: Any, fx: Any, seconds: float = 1.5) -> dict[str, str]:
    """cProfile of the boxauth side of the cases, top functions by own time."""
    import cProfile
    import io
    import pstats
    import tempfile

    import bench_sides

    out: dict[str, str] = {}

    def prof(label: str, fn: Any) -> None:
        n = max(1, bench_stats_calibrate(fn, seconds))
        p = cProfile.Profile()
        p.enable()
        for _ in range(n):
            fn()
        p.disable()
        buf = io.StringIO()
        st = pstats.Stats(p, stream=buf)
        st.sort_stats("tottime").print_stats(18)
        st.sort_stats("cumulative").print_stats(25)
        out[label] = f"{n} calls\n" + buf.getvalue()

    with tempfile.TemporaryDirectory() as folder:
        for kind in ("memory", "file", "file_cached"):
            prof(f"cached_{kind}", bench_cached.profile_target(kind, folder))
    side = bench_sides.BoxauthSide(emu, fx)
    prof("fetch_jwt", side.jwt().refresh_token)
    prof("fetch_ccg", side.ccg().refresh_token)
    return out


def bench_stats_calibrate(fn: Any, seconds: float) -> int:
    from bench_stats import calibrate

    return calibrate(fn, seconds, floor_calls=20)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs and fetches (~20 s)")
    ap.add_argument("--json", metavar="OUT", help="write all figures as JSON to OUT")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the boxauth side and print the top functions",
    )
    ap.add_argument(
        "--only",
        metavar="TEXT",
        action="append",
        help="run only the groups whose name contains TEXT (repeatable)",
    )
    for key in FULL:
        ap.add_argument(
            f"--{key.replace('_', '-')}",
            type=type(FULL[key]),
            default=None,
            help=f"override (full {FULL[key]}, quick {QUICK[key]})",
        )
    args = ap.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for key in cfg:
        value = getattr(args, key)
        if value is not None:
            cfg[key] = value

    started = time.perf_counter()
    info = machine()
    errors: dict[str, str] = {}
    results: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    print(f"# boxauth benchmarks ({'quick' if args.quick else 'full'})", flush=True)
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"boxauth {info['packages']['boxauth']}, boxsdk {info['packages']['boxsdk']}",
        flush=True,
    )

    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    profiles: Any = {}
    with BoxEmulator() as emu:
        fx = make_app_fixture(emu)
        chosen = [g for g in GROUPS if not args.only or any(t in g.name for t in args.only)]
        for group in chosen:
            print(f"- {group.name} ...", flush=True)
            # Each group starts with the emulator's clock at real time: a group
            # that advanced it (the OAuth herd) would otherwise make the next
            # group's JWT assertions look stale, and boxauth's clock-skew retry
            # would add a token request to that group's count.
            emu.clock_offset = 0.0
            res = _guard(group.name, lambda g=group: g.measure(cfg, emu, fx), errors)
            results[group.name] = res
            rows += rows_of(group, res, errors)
        if args.profile:
            print("- profiling boxauth ...", flush=True)
            profiles = _guard("profile", lambda: profile_boxauth(emu, fx), errors)

    elapsed = time.perf_counter() - started
    info["loadavg_end"] = _loadavg()
    print()
    print(
        f"Machine: {info['nproc']} CPUs, {info['cpu_model']}; Python {info['python']}; "
        f"{info['platform']}; load average {info['loadavg_start']} at the start, "
        f"{info['loadavg_end']} at the end; run took {elapsed:.0f} s "
        f"({'quick' if args.quick else 'full'}: {cfg})."
    )
    print(
        "Figures: median (min–max) over rounds; ratios are boxauth ÷ other, "
        "paired round by round in this run (the median of the per-round ratios).\n"
    )
    print(table(rows))
    if isinstance(profiles, dict):
        for label, text in profiles.items():
            print(f"\n## cProfile: boxauth {label}\n```\n{text}```")
    for name, tb in errors.items():
        print(f"\n## case {name} failed\n```\n{tb}```", file=sys.stderr)
    if args.json:
        doc = {
            "machine": info,
            "config": cfg,
            "quick": args.quick,
            "elapsed_s": elapsed,
            "rows": rows,
            "results": results,
            "errors": errors,
            "profiles": profiles if isinstance(profiles, dict) else {},
        }
        Path(args.json).write_text(
            json.dumps(finite(doc), indent=2, default=str, allow_nan=False) + "\n"
        )
        print(f"\nJSON written to {args.json}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
