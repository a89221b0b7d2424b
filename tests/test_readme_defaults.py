"""Every default README states is the code's default: the docs describe what the code does.

Each test reads one claim from README.md with a targeted regex (on the text
with its line breaks folded into spaces) and compares it with what the
installed package does or declares. A claim that README stops making fails
its test too, so a rewrite of a section must update the check here.
"""

from __future__ import annotations

import ast
import inspect
import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis_profiles
from boxauth.adapters import cli, cli_settings, storage, transport
from hypothesis import settings

import boxauth
from boxauth import jwt as core_jwt
from boxauth import lifecycle, responses, retry

ROOT = Path(__file__).resolve().parent.parent
README = " ".join((ROOT / "README.md").read_text().split())
SECURITY = " ".join((ROOT / "SECURITY.md").read_text().split())
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def stated(pattern: str, text: str = README) -> tuple[str, ...]:
    """The groups of the claim ``pattern`` matches; README must make it, and
    wherever it makes it more than once, with the same values."""
    found = {m.groups() for m in re.finditer(pattern, text)}
    assert found, f"README no longer states {pattern!r}: update this test with it"
    assert len(found) == 1, f"README states {pattern!r} with different values: {found}"
    return found.pop()


def default_of(fn: Callable[..., Any], name: str) -> Any:
    """The default of parameter ``name`` of ``fn`` (a class: its __init__)."""
    return inspect.signature(fn).parameters[name].default


# -- Quickstart: hypothesis profiles ---------------------------------------------


def test_ci_profile_examples() -> None:
    (n,) = stated(
        r"`ci`, the one `make test` uses, is derandomized with (\d+) examples per property"
    )
    ci = settings.get_profile("ci")
    assert ci.max_examples == int(n)
    assert ci.derandomize


def test_dev_profile_examples() -> None:
    (n,) = stated(
        r"`dev`, the default when you run pytest yourself, is randomized with (\d+) examples"
    )
    assert hypothesis_profiles.DEFAULT == "dev"
    dev = settings.get_profile("dev")
    assert dev.max_examples == int(n)
    assert not dev.derandomize


def test_exhaustive_profile_examples() -> None:
    (n,) = stated(r"`HYPOTHESIS_PROFILE=exhaustive make test` runs (\d+)")
    assert settings.get_profile("exhaustive").max_examples == int(n)


def test_mutation_profile_examples() -> None:
    (n,) = stated(r"`mutation` \(derandomized, (\d+) examples\)")
    mutation = settings.get_profile("mutation")
    assert mutation.max_examples == int(n)
    assert mutation.derandomize


def test_make_test_uses_the_ci_profile() -> None:
    stated(r"(`ci`), the one `make test` uses")
    script = (ROOT / ".ci" / "test").read_text()
    assert "export HYPOTHESIS_PROFILE=${HYPOTHESIS_PROFILE:-ci}" in script


def test_tests_get_the_same_profile_as_property_tests() -> None:
    """README: the counts hold "in `tests/` and `property_tests/` alike". This
    test runs in tests/; the profile in force is the one HYPOTHESIS_PROFILE
    names, whichever conftest loaded last."""
    stated(r"examples per property, (in `tests/` and `property_tests/` alike)")
    name = os.environ.get("HYPOTHESIS_PROFILE", hypothesis_profiles.DEFAULT)
    assert settings().max_examples == settings.get_profile(name).max_examples
    assert settings().derandomize == settings.get_profile(name).derandomize


# -- Authentication methods and tokens -------------------------------------------


def test_jwt_audience() -> None:
    (aud,) = stated(r"The JWT audience stays Box's constant `([^`]+)`")
    assert aud == core_jwt.AUDIENCE


def test_jwt_default_algorithm() -> None:
    (alg,) = stated(r'algorithm="(RS\d{3})"')
    default = default_of(boxauth.JWTConfig, "algorithm")
    assert str(getattr(default, "value", default)) == alg


def test_refresh_margin() -> None:
    (margin,) = stated(r"A token is renewed (\d+) s before it expires \(`refresh_margin=`")
    assert float(margin) == lifecycle.DEFAULT_MARGIN
    # The public auth classes take it as a keyword; its default is the same.
    shells = [
        default_of(klass, "refresh_margin")
        for klass in inspect.getmro(boxauth.BoxCCGAuth)
        if "refresh_margin" in inspect.signature(klass.__init__).parameters
    ]
    assert shells, "no auth class takes refresh_margin= any more"
    assert shells[0] == float(margin)


def test_auth_options() -> None:
    """README lists every keyword option of the auth classes, with its defaults."""
    from boxauth.adapters.auth import AuthOptions, BaseAuth

    (listed,) = stated(r"checks them: ((?:`\w+=`(?: \([^)]*\))?,? (?:and )?)+)")
    names = re.findall(r"`(\w+)=`", listed)
    assert names == list(AuthOptions.__annotations__), names
    params = inspect.signature(BaseAuth.__init__).parameters
    assert set(names) <= set(params)
    (margin,) = stated(r"`refresh_margin=` \(seconds, default (\d+)\)")
    assert params["refresh_margin"].default == float(margin)
    (deadline,) = stated(r"`deadline=` \(seconds, default the transport's (\d+)\)")
    assert params["deadline"].default is None
    assert transport.TransportSettings().deadline == float(deadline)


# -- Storage ----------------------------------------------------------------------


def test_file_storage_default_filename() -> None:
    (name,) = stated(r'`FileTokenStorage\(filename="([^"]+)"\)`')
    assert default_of(boxauth.FileTokenStorage, "filename") == name


def test_file_storage_mode(tmp_path: Path) -> None:
    (mode,) = stated(r"created (0[0-7]{3}) and never wider")
    path = tmp_path / "token.json"
    storage.FileTokenStorage(filename=str(path)).store(
        boxauth.AccessToken(access_token="A" * 32, expires_in=60, token_type="bearer")
    )
    assert path.stat().st_mode & 0o777 == int(mode, 8)


# -- Transport ----------------------------------------------------------------------


def test_connect_and_read_timeouts() -> None:
    connect, read = stated(r"Connect \((\d+) s\) and read \((\d+) s\) timeouts")
    assert transport.TransportSettings().connect_timeout == float(connect)
    assert transport.TransportSettings().read_timeout == float(read)


def test_deadline() -> None:
    (deadline,) = stated(r"`TransportSettings\.deadline`, (\d+) s")
    assert transport.TransportSettings().deadline == float(deadline)


def test_body_cap() -> None:
    (mib,) = stated(r"bodies over (\d+) MiB are refused")
    assert int(mib) * 1024 * 1024 == responses.MAX_BODY


def test_retry_policy() -> None:
    (attempts,) = stated(r"\(`RetryPolicy`: (\d+) attempts\)")
    cap, base = stated(r"a random wait of up to `min\((\d+), ([\d.]+) \u00d7 2\^\(n-1\)\)` s")
    waits = stated(r"the waits are at most ([\d.]+), ([\d.]+) and ([\d.]+) s")
    policy = retry.RetryPolicy()
    assert policy.max_attempts == int(attempts)
    assert policy.base_delay == float(base)
    assert policy.max_delay == float(cap)
    # What a user sees with the defaults: the ceiling after each failed attempt but the last.
    ceilings = [retry.backoff(policy, n, 1.0) for n in range(1, policy.max_attempts)]
    assert ceilings == [float(w) for w in waits]


def test_retried_statuses() -> None:
    (statuses,) = stated(r"on ((?:\d{3}, )+\d{3}) and network failures")
    assert {int(s) for s in statuses.split(", ")} == retry.RETRYABLE_STATUSES


def test_retry_after_cap() -> None:
    (cap,) = stated(r"when it is at most (\d+) s \(`max_retry_after`\)")
    assert retry.RetryPolicy().max_retry_after == float(cap)


# -- Command line ----------------------------------------------------------------------


def test_exit_codes() -> None:
    """README's table of exit codes is the CLI's own table, row for row."""
    raw = (ROOT / "README.md").read_text()
    table = raw[raw.index("has the details. Exit codes:") :]
    table = table[: table.index("\n## ")]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", table, re.MULTILINE)
    assert [(int(code), words) for code, words in rows] == list(cli.EXIT_CODES)


def test_environment_variables() -> None:
    (names, where) = stated(
        r"secrets need not be on the command line: ((?:BOX_[A-Z_]+, )+BOX_[A-Z_]+), and\s+"
        r"(BOX_[A-Z_0-9]+ / BOX_[A-Z_0-9]+) for where Box is\."
    )
    stated_names = set(re.split(r",\s+", names)) | set(where.split(" / "))
    assert stated_names == set(cli_settings.ENV.values())


def test_login_redirect_path() -> None:
    (path,) = stated(r"`login` listens on `http://127\.0\.0\.1:PORT(/[\w/-]*)`")
    assert cli.build_parser().parse_args(["login"]).redirect_path == path


# -- Architecture, static analysis, dependencies -----------------------------------------


def _forbidden() -> set[str]:
    contracts = PYPROJECT["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["type"] == "forbidden"]
    return set(contract["forbidden_modules"]) - {"boxauth.adapters"}


def _listed(names: str) -> set[str]:
    return set(re.split(r", | or ", names))


def test_readme_lists_the_forbidden_modules() -> None:
    (names,) = stated(r"no core module imports an adapter or any of ((?:\w+, )+\w+ or \w+)")
    assert _listed(names) == _forbidden()


def test_security_lists_the_forbidden_modules() -> None:
    (names,) = stated(
        r"no core module may import an adapter or any of ((?:\w+, )+\w+ or \w+)", SECURITY
    )
    assert _listed(names) == _forbidden()


def test_python_version() -> None:
    (version,) = stated(r"Python (\d\.\d+)\+")
    assert PYPROJECT["project"]["requires-python"] == f">={version}"


def test_dependency_floors() -> None:
    """README's `name>=X` for runtime dependencies match pyproject's lower bounds."""
    deps = PYPROJECT["project"]["dependencies"]
    for name in ("urllib3", r"python-jose\[cryptography\]", "cryptography"):
        (floor,) = stated(rf"`{name}>=([\d.]+)`")
        assert any(re.fullmatch(rf"{name}>={re.escape(floor)}(,.*)?", d) for d in deps), deps


# -- Performance: the table was measured with the configuration run.py has -------------


def _literal(path: Path, name: str) -> Any:
    """A module-level constant of a benchmark script, read without running it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} has no {name}")


def test_benchmark_fetches_and_threads() -> None:
    (fetches,) = stated(r"token fetch, p50 \((\d+) fetches/round\)")
    (threads,) = stated(r"herd, CCG, (\d+) threads")
    bench = ROOT / "benchmarks"
    assert _literal(bench / "run.py", "FULL")["fetches"] == int(fetches)
    assert _literal(bench / "bench_herd.py", "THREADS") == int(threads)
