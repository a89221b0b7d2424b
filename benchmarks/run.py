"""boxauth benchmarks, side by side with box_sdk_gen (PyPI boxsdk 10.x) and the floor.

One command runs every case, prints a markdown table and (with --json) writes
the raw figures:

    python benchmarks/run.py [--quick] [--json OUT] [--profile]

Install first: ``pip install '.[bench]'`` (boxauth plus boxsdk[jwt]). Without
box_sdk_gen the comparison cells read "not installed"; the rest still runs.

Every figure is the median over repeated rounds, with (min–max). Ratios are
taken within this run, the two sides interleaved round by round. Benchmarks
are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cached
import bench_fetch
import bench_herd
import bench_import
from bench_stats import NOT_INSTALLED, finite, fmt_range, fmt_ratio

FULL = {
    "import_runs": 15,
    "rounds": 7,
    "budget": 0.25,
    "fetches": 200,
    "fetch_rounds": 3,
    "herd_rounds": 3,
}
QUICK = {
    "import_runs": 4,
    "rounds": 3,
    "budget": 0.04,
    "fetches": 60,
    "fetch_rounds": 1,
    "herd_rounds": 1,
}

# Every row the table has, in order. The smoke test checks them all.
ROW_IDS = (
    "import_wall",
    "import_modules",
    "import_rss",
    "import_bare",
    "cached_memory",
    "cached_file",
    "cached_file_cache",
    "fetch_ccg_p50",
    "fetch_ccg_p99",
    "fetch_jwt_p50",
    "fetch_jwt_p99",
    "floor_jwt_p50",
    "floor_jwt_p99",
    "herd_ccg_requests",
    "herd_ccg_wall",
    "herd_jwt_requests",
    "herd_jwt_wall",
    "herd_oauth_refreshes",
    "herd_oauth_invalid_grant",
    "herd_oauth_wall",
)


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
    }


# -- rows ------------------------------------------------------------------------


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _cell(side: Any, *path: str, unit: str, scale: float = 1.0, digits: int = 2) -> str:
    if side is None:
        return "—"
    if isinstance(side, str):
        return side
    return fmt_range(_get(side, *path), unit, scale, digits)


def _verdict(value: float | None, target: str, ok: bool | None) -> str:
    if ok is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "yes" if ok else "NO"


def row(
    rid: str,
    case: str,
    ours: str,
    other: str,
    other_name: str,
    ratio: Any,
    target: str,
    met: str,
    note: str = "",
) -> dict[str, Any]:
    return {
        "id": rid,
        "case": case,
        "boxauth": ours,
        "other": other,
        "other_name": other_name,
        "ratio": ratio,
        "target": target,
        "met": met,
        "note": note,
    }


def _med(s: Any) -> float | None:
    return s["median"] if isinstance(s, dict) and "median" in s else None


def import_rows(res: Any) -> list[dict[str, Any]]:
    if isinstance(res, str):  # the case failed
        return [row(r, r, res, res, "box_sdk_gen", None, "", "n/a") for r in ROW_IDS[:4]]
    ours, sdk, bare = res["boxauth"], res["box_sdk_gen"], res["bare"]
    ratio = _med(res.get("wall_ratio_per_run"))
    return [
        row(
            "import_wall",
            "cold import: whole-process wall time",
            _cell(ours, "wall_s", unit="ms", scale=1e3, digits=1),
            _cell(sdk, "wall_s", unit="ms", scale=1e3, digits=1),
            "box_sdk_gen",
            ratio,
            "≤ 0.10×",
            _verdict(ratio, "", None if ratio is None else ratio <= 0.10),
        ),
        row(
            "import_modules",
            "cold import: modules in sys.modules",
            _cell(ours, "modules", unit=""),
            _cell(sdk, "modules", unit=""),
            "box_sdk_gen",
            (_med(_get(ours, "modules")) or math.nan) / _med(_get(sdk, "modules"))
            if _med(_get(sdk, "modules"))
            else None,
            "",
            "n/a",
        ),
        row(
            "import_rss",
            "cold import: peak RSS",
            _cell(ours, "peak_rss_mib", unit="MiB", digits=1),
            _cell(sdk, "peak_rss_mib", unit="MiB", digits=1),
            "box_sdk_gen",
            (_med(_get(ours, "peak_rss_mib")) or math.nan) / _med(_get(sdk, "peak_rss_mib"))
            if _med(_get(sdk, "peak_rss_mib"))
            else None,
            "",
            "n/a",
        ),
        row(
            "import_bare",
            "cold import: bare interpreter (`pass`), for reference",
            _cell(bare, "wall_s", unit="ms", scale=1e3, digits=1),
            "",
            "",
            None,
            "",
            "n/a",
            note=f"modules {_cell(bare, 'modules', unit='')}, "
            f"RSS {_cell(bare, 'peak_rss_mib', unit='MiB', digits=1)}",
        ),
    ]


CACHED_LABEL = {
    "memory": ("cached_memory", "cached retrieve_token, in-memory storage"),
    "file": ("cached_file", "cached retrieve_token, file storage"),
    "file_cache": ("cached_file_cache", "cached retrieve_token, file + in-memory cache"),
}


def cached_rows(res: Any) -> list[dict[str, Any]]:
    out = []
    note = "calls/s; boxauth checks the stored token and its expiry on every call (lock-free while fresh), box_sdk_gen never checks expiry"
    for kind, (rid, label) in zip(
        ("memory", "file", "file_cached"), CACHED_LABEL.values(), strict=True
    ):
        entry = res.get(kind) if isinstance(res, dict) else None
        if entry is None:
            msg = res if isinstance(res, str) else "missing"
            out.append(row(rid, label, msg, msg, "box_sdk_gen", None, "", "n/a"))
            continue
        ours, sdk = entry["boxauth"], entry["box_sdk_gen"]
        time_ratio = _med(entry.get("time_ratio_per_round"))
        if kind == "memory":
            ratio, target = time_ratio, "time/call ≤ 1.5×"
            met = _verdict(ratio, target, None if ratio is None else ratio <= 1.5)
        elif kind == "file":
            ratio = None if time_ratio is None else 1.0 / time_ratio
            target = "rate ≥ 10×"
            met = _verdict(ratio, target, None if ratio is None else ratio >= 10)
        else:
            ratio = None if time_ratio is None else 1.0 / time_ratio
            target, met = "", "n/a"
        out.append(
            row(
                rid,
                label,
                _cell(ours, "calls_per_s", unit="/s"),
                _cell(sdk, "calls_per_s", unit="/s"),
                "box_sdk_gen",
                ratio,
                target,
                met,
                note=note + ("; ratio = time per call" if kind == "memory" else "; ratio = rate"),
            )
        )
    return out


def fetch_rows(res: Any) -> list[dict[str, Any]]:
    if isinstance(res, str):
        ids = [r for r in ROW_IDS if r.startswith(("fetch_", "floor_"))]
        return [row(r, r, res, res, "", None, "", "n/a") for r in ids]
    ratios = res["ratios_per_round"]
    n = res["fetches_per_round"]
    out = []
    for grant in ("ccg", "jwt"):
        for q in ("p50", "p99"):
            ratio = _med(ratios.get(f"{grant}_{q}_vs_sdk"))
            out.append(
                row(
                    f"fetch_{grant}_{q}",
                    f"{grant.upper()} token fetch, {q} ({n} fetches/round)",
                    _cell(res[f"boxauth/{grant}"], f"{q}_s", unit="ms", scale=1e3),
                    _cell(res[f"box_sdk_gen/{grant}"], f"{q}_s", unit="ms", scale=1e3),
                    "box_sdk_gen",
                    ratio,
                    "",
                    "n/a",
                )
            )
    for q in ("p50", "p99"):
        ratio = _med(ratios.get(f"jwt_{q}_vs_floor"))
        target = "≤ 1.15×" if q == "p50" else ""
        met = _verdict(ratio, target, None if ratio is None or q != "p50" else ratio <= 1.15)
        out.append(
            row(
                f"floor_jwt_{q}",
                f"JWT fetch vs the floor, {q}",
                _cell(res["boxauth/jwt"], f"{q}_s", unit="ms", scale=1e3),
                _cell(res["floor/jwt"], f"{q}_s", unit="ms", scale=1e3),
                "floor",
                ratio,
                target,
                met,
                note="floor: cryptography RSA sign + one urllib3 POST (kept alive) + json.loads",
            )
        )
    return out


def herd_rows(res: Any) -> list[dict[str, Any]]:
    if isinstance(res, str):
        return [
            row(r, r, res, res, "box_sdk_gen", None, "", "n/a")
            for r in ROW_IDS
            if r.startswith("herd_")
        ]
    out = []

    def exact(side: Any, key: str, want: int) -> bool | None:
        s = _get(side, key)
        if not isinstance(s, dict):
            return None
        return s["min"] == want and s["max"] == want

    for grant in ("ccg", "jwt"):
        ours, sdk = res[grant]["boxauth"], res[grant]["box_sdk_gen"]
        ok = exact(ours, "token_requests", 1)
        out.append(
            row(
                f"herd_{grant}_requests",
                f"herd, {grant.upper()}, 64 threads, no token: token requests",
                _cell(ours, "token_requests", unit=""),
                _cell(sdk, "token_requests", unit=""),
                "box_sdk_gen",
                None,
                "exactly 1",
                "n/a" if ok is None else ("yes" if ok else "NO"),
            )
        )
        out.append(
            row(
                f"herd_{grant}_wall",
                f"herd, {grant.upper()}: wall time",
                _cell(ours, "wall_s", unit="ms", scale=1e3, digits=1),
                _cell(sdk, "wall_s", unit="ms", scale=1e3, digits=1),
                "box_sdk_gen",
                _ratio_of(ours, sdk, "wall_s"),
                "",
                "n/a",
            )
        )
    ours, sdk = res["oauth"]["boxauth"], res["oauth"]["box_sdk_gen"]
    mode = ""
    if isinstance(sdk, dict) and sdk["rounds"]:
        mode = f"box_sdk_gen: 64× {sdk['rounds'][0]['mode']}"
    ok = exact(ours, "refreshes", 1)
    out.append(
        row(
            "herd_oauth_refreshes",
            "herd, OAuth, access token expired: refreshes",
            _cell(ours, "refreshes", unit=""),
            _cell(sdk, "refreshes", unit=""),
            "box_sdk_gen",
            None,
            "exactly 1",
            "n/a" if ok is None else ("yes" if ok else "NO"),
            note="boxauth: 64× retrieve_token" + (f"; {mode}" if mode else ""),
        )
    )
    ok = exact(ours, "invalid_grant", 0)
    out.append(
        row(
            "herd_oauth_invalid_grant",
            "herd, OAuth: invalid_grant failures",
            _cell(ours, "invalid_grant", unit=""),
            _cell(sdk, "invalid_grant", unit=""),
            "box_sdk_gen",
            None,
            "0",
            "n/a" if ok is None else ("yes" if ok else "NO"),
        )
    )
    out.append(
        row(
            "herd_oauth_wall",
            "herd, OAuth: wall time",
            _cell(ours, "wall_s", unit="ms", scale=1e3, digits=1),
            _cell(sdk, "wall_s", unit="ms", scale=1e3, digits=1),
            "box_sdk_gen",
            _ratio_of(ours, sdk, "wall_s"),
            "",
            "n/a",
            note="box_sdk_gen's includes its 1–3 s retry sleep after the 401"
            if "401" in mode
            else "",
        )
    )
    return out


def _ratio_of(a: Any, b: Any, key: str) -> float | None:
    x, y = _med(_get(a, key)), _med(_get(b, key))
    if x is None or not y:
        return None
    return x / y


# -- output ----------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| case | boxauth | box_sdk_gen or floor | ratio | target | met? |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        other = r["other"]
        if r["other_name"] == "floor" and other not in ("", "—"):
            other = f"floor: {other}"
        ratio = fmt_ratio(r["ratio"]) if not isinstance(r["ratio"], str) else r["ratio"]
        case = r["case"] + (f" <br>*{r['note']}*" if r["note"] else "")
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
    print(f"# boxauth benchmarks ({'quick' if args.quick else 'full'})", flush=True)
    print(
        f"machine: {info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}, "
        f"boxauth {info['packages']['boxauth']}, boxsdk {info['packages']['boxsdk']}",
        flush=True,
    )

    print("- cold import ...", flush=True)
    results["cold_import"] = _guard(
        "cold_import", lambda: bench_import.run(cfg["import_runs"]), errors
    )
    print("- cached retrieve_token ...", flush=True)
    results["cached"] = _guard(
        "cached", lambda: bench_cached.run(cfg["rounds"], cfg["budget"]), errors
    )

    from boxauth.adapters.emulator import BoxEmulator, make_app_fixture

    profiles: dict[str, str] = {}
    with BoxEmulator() as emu:
        fx = make_app_fixture(emu)
        print("- token fetch and floor ...", flush=True)
        results["fetch"] = _guard(
            "fetch", lambda: bench_fetch.run(emu, fx, cfg["fetch_rounds"], cfg["fetches"]), errors
        )
        print("- thundering herd ...", flush=True)
        results["herd"] = _guard(
            "herd", lambda: bench_herd.run(emu, fx, cfg["herd_rounds"]), errors
        )
        if args.profile:
            print("- profiling boxauth ...", flush=True)
            profiles = _guard("profile", lambda: profile_boxauth(emu, fx), errors)

    rows = (
        import_rows(results["cold_import"])
        + cached_rows(results["cached"])
        + fetch_rows(results["fetch"])
        + herd_rows(results["herd"])
    )
    elapsed = time.perf_counter() - started
    print()
    print(
        f"Machine: {info['nproc']} CPUs, {info['cpu_model']}; Python {info['python']}; "
        f"{info['platform']}; run took {elapsed:.0f} s "
        f"({'quick' if args.quick else 'full'}: {cfg})."
    )
    print(
        "Figures: median (min–max) over rounds; ratios are boxauth ÷ other, "
        "paired round by round in this run.\n"
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
