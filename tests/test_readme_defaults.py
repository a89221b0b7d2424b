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


# -- More defaults and limits README and SECURITY.md state ------------------------------


def test_pending_states() -> None:
    from boxauth import authorize

    minutes, count = stated(r"single use, for (\d+) minutes, at most (\d+) at a time")
    assert int(minutes) * 60 == authorize.STATE_LIFETIME
    assert int(count) == authorize.MAX_PENDING_STATES
    seconds, kept = stated(
        r"single use, live for (\d+) s, at most (\d+) \(oldest dropped\)", SECURITY
    )
    assert (float(seconds), int(kept)) == (authorize.STATE_LIFETIME, authorize.MAX_PENDING_STATES)


def test_in_memory_storage_default() -> None:
    (token,) = stated(r"`InMemoryTokenStorage\(token=(\w+)\)` \(default\)")
    assert repr(default_of(boxauth.InMemoryTokenStorage, "token")) == token


def test_redis_storage_defaults() -> None:
    from boxauth.adapters import redis_lease, redis_records, redis_storage

    lease, keys = stated(
        r"`RedisTokenStorage\(redis, key, \*, lease_s=([\d.]+), encryption_keys=(\w+)\)`"
    )
    klass = redis_storage.RedisTokenStorage
    assert list(inspect.signature(klass.__init__).parameters)[1:3] == ["redis", "key"]
    assert default_of(klass, "lease_s") == float(lease)
    assert repr(default_of(klass, "encryption_keys")) == keys
    assert default_of(klass.from_url, "lease_s") == float(lease)
    (socket_timeout,) = stated(r"never more than `socket_timeout` \(default ([\d.]+) s")
    assert default_of(klass.from_url, "socket_timeout") == float(socket_timeout)
    (least,) = stated(r"waits at most what is left of that timeout, at least ([\d.]+) s")
    assert float(least) == redis_lease.MIN_WAIT_S
    (release,) = stated(r"the release is waited for ([\d.]+) s at most")
    assert float(release) == redis_lease.RELEASE_WAIT_S
    sizes = stated(r"AES keys of (\d+), (\d+) or (\d+) bytes")
    assert {int(s) for s in sizes} == redis_records.KEY_SIZES


def test_token_limits() -> None:
    from boxauth import access_token

    (longest,) = stated(r"any visible ASCII token \(`%x21-7E`, 1 to (\d+) characters\)")
    assert int(longest) == access_token.MAX_TOKEN
    ok = boxauth.BoxDeveloperTokenAuth(token="1!" + "a" * (int(longest) - 2))
    assert ok.retrieve_token().access_token.startswith("1!")
    (days,) = stated(r"`expires_in` may be any finite number from 1 second to (\d+) days")
    assert responses.MIN_EXPIRES_IN == 1
    assert int(days) * 86_400 == responses.MAX_EXPIRES_IN
    (kib,) = stated(r"anything but one JSON object of at most (\d+) KiB")
    assert int(kib) * 1024 == access_token.MAX_SERIALIZED


def test_security_size_caps() -> None:
    from boxauth import authorize, settings

    config, body, token_file, query, header = stated(
        r"size caps before parsing \(config (\d+) KiB, body (\d+) MiB, token file (\d+) KiB, "
        r"query (\d+) KiB, header (\d+) KiB\)",
        SECURITY,
    )
    from boxauth import access_token

    assert int(config) * 1024 == settings.MAX_CONFIG_TEXT
    assert int(body) * 1024 * 1024 == responses.MAX_BODY
    assert int(token_file) * 1024 == access_token.MAX_SERIALIZED
    assert int(query) * 1024 == authorize.MAX_QUERY
    assert int(header) * 1024 == responses.MAX_HEADER


def test_error_texts_are_cut() -> None:
    from boxauth import errors

    (n,) = stated(r"server-supplied texts are cut to (\d+) printable characters", SECURITY)
    assert int(n) == errors.MAX_TEXT
    assert len(errors.clean_text("x" * 1000)) == int(n)


def test_clock_skew_bound() -> None:
    (days,) = stated(r"by construction up to \u00b1([\d,]+) s", SECURITY)
    assert core_jwt.MAX_SKEW == responses.MAX_SKEW == float(days.replace(",", ""))


def test_ca_bundle_cap() -> None:
    from boxauth.adapters import transport_setup

    (mib,) = stated(r"is over (\d+) MiB or holds no certificate")
    assert int(mib) * 1024 * 1024 == transport_setup.MAX_CA_BUNDLE


def test_login_defaults() -> None:
    from boxauth.adapters import login

    (timeout,) = stated(r"waits at most `--timeout` seconds \(default (\d+)\)")
    assert cli.build_parser().parse_args(["login"]).timeout == float(timeout)
    (read,) = stated(r"in a thread of its own with a (\d+) s read deadline")
    assert float(read) == login.CONNECTION_SECONDS
    read2, most = stated(
        r"each connection served in its own thread with a (\d+) s read deadline, "
        r"at most (\d+) at once",
        SECURITY,
    )
    assert (float(read2), int(most)) == (login.CONNECTION_SECONDS, login.MAX_CONNECTIONS)


def test_emulator_defaults() -> None:
    from boxauth.adapters.emulator import BoxEmulator, shapes

    (request,) = stated(r"A request must arrive within (\d+) s of its first byte")
    (idle,) = stated(r"closed after (\d+) s \(`idle_seconds=`\)")
    (most,) = stated(r"beyond (\d+) open connections \(`max_connections=`\)")
    assert default_of(BoxEmulator, "request_seconds") == float(request)
    assert default_of(BoxEmulator, "idle_seconds") == float(idle)
    assert default_of(BoxEmulator, "max_connections") == int(most)
    access, refresh, rest = stated(
        r"access tokens are (\d+) letters and digits, refresh tokens (\d+), downscoped "
        r"tokens `1!` followed by (\d+) base64url characters"
    )
    assert (int(access), int(refresh)) == (shapes.ACCESS_LENGTH, shapes.REFRESH_LENGTH)
    assert len(shapes.DOWNSCOPED_PREFIX) + int(rest) == shapes.DOWNSCOPED_LENGTH
    assert shapes.DOWNSCOPED_PREFIX == "1!"


def test_waiters_woken_per_turn() -> None:
    from boxauth.adapters import aio_auth

    (n,) = stated(r"its waiters are woken (\d+) per turn of the loop")
    assert int(n) == aio_auth.WAKE_BATCH


def test_unknown_scope_quoted_up_to() -> None:
    from boxauth import downscope

    (n,) = stated(r"lower-case words joined by `_` or `\.`, at most (\d+) characters", SECURITY)
    assert int(n) == downscope.MAX_SHOWN_SCOPE


# -- Lists: the failure values, the exception hierarchy, the modules ------------------------


def test_the_failure_values() -> None:
    (count, names) = stated(
        r"failure is one of (\w+) values \(`boxauth\.AuthError`\): (.+?)\. The raising methods"
    )
    listed = re.findall(r"`([A-Z]\w+)`", names)
    members = [m.__name__ for m in boxauth.AuthError.__args__]
    assert sorted(listed) == sorted(members)
    assert {"six": 6}.get(count) == len(members)


def test_the_errors_table_is_the_hierarchy() -> None:
    raw = (ROOT / "README.md").read_text()
    table = raw[raw.index("| Exception | Raised when | Also a |") :]
    table = table[: table.index("\n\n")]
    rows = re.findall(r"^\| `(\w+)`[^|]*\| [^|]+ \| ([^|]+) \|$", table, re.MULTILINE)
    assert len(rows) >= 10
    for name, parents in rows:
        klass = getattr(boxauth, name)
        for parent in re.findall(r"`(\w+)`", parents.split("(not")[0]):
            base = getattr(boxauth, parent, None) or getattr(__builtins__, parent, None)
            if base is None:
                import builtins

                base = getattr(builtins, parent)
            assert issubclass(klass, base), (name, parent)
        if "(not a `BoxAPIError`)" in parents:
            assert not issubclass(klass, boxauth.BoxAPIError), name
    documented = {name for name, _ in rows}
    exported = {
        n for n in boxauth.__all__
        if isinstance(getattr(boxauth, n), type) and issubclass(getattr(boxauth, n), Exception)
    }  # fmt: skip
    assert documented | {"BoxAuthError"} == exported | {"BoxSDKError"}


def test_request_info_shows_four_headers() -> None:
    from boxauth import exceptions

    names = stated(
        r"no header value but `([\w-]+)`, `([\w-]+)`, `([\w-]+)` and `([\w-]+)` \(the rest read"
    )
    assert {n.lower() for n in names} == exceptions._PLAIN_REQUEST_HEADERS


def _modules(package: str) -> set[str]:
    import importlib
    import pkgutil

    path = importlib.import_module(package).__path__
    return {info.name for info in pkgutil.iter_modules(path)}


def test_the_architecture_lists_every_module() -> None:
    raw = (ROOT / "README.md").read_text()
    diagram = raw[raw.index("Two floors, and every arrow points down:") :]
    diagram = diagram[: diagram.index("```", diagram.index("```") + 3)]
    adapters_part, core_part = diagram.split("boxauth.*  (the pure core")
    words = set(re.findall(r"\b[a-z][a-z0-9_]+\b", adapters_part))
    adapters = _modules("boxauth.adapters")
    assert adapters - words == set(), "README's diagram misses adapter modules"
    core = _modules("boxauth") - {"__main__", "aio", "adapters"}
    listed = set(re.findall(r"\b[a-z][a-z0-9_]+\b", core_part.split("\n", 1)[1]))
    assert core - listed == set(), "README's diagram misses core modules"
    (order,) = stated(r"To audit the core, read in this order: ((?:`\w+`, )+`\w+`)\.")
    assert set(re.findall(r"`(\w+)`", order)) == core


def test_the_test_extra() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    (listed,) = stated(r"Test extra: ([^.]+)\.")
    for requirement in extras["test"]:
        name = re.split(r"[<>=\[]", requirement)[0]
        assert name in listed or name.replace("boxsdk", "`boxsdk[jwt]`") in listed, name
    for extra in ("redis", "httpx", "box-sdk-gen", "bench", "mutation"):
        assert f"`{extra}`" in README, extra
