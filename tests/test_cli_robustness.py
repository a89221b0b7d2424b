"""No traceback reaches a user: every path ends with one line on
stderr and a documented exit code, whatever the input, the environment, the
file system or the state of stdout. And "bad input never hangs": a FIFO
given as the config file is refused at once.

Also: server-supplied text is printed with its control
characters escaped.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters import cli
from boxauth.adapters.cli_output import iso, terminal_text, token_facts
from cli_support import TIMEOUT, app, assert_error, clean_env, run
from hypothesis import given, settings
from hypothesis import strategies as st

from boxauth import AccessToken, FileTokenStorage
from boxauth.access_token import MAX_TIME, check_token

__all__ = ["app"]


def popen(args: list[str], cwd: Path, env: dict[str, str] | None = None, **kw: Any) -> Any:
    return subprocess.Popen(
        [sys.executable, "-m", "boxauth", *args], cwd=cwd, env=clean_env(env), text=True, **kw
    )


def test_closed_stdout_is_one_line_and_exit_5_before_anything_is_done(
    box: Any, app: dict[str, Any]
) -> None:
    # `boxauth token >&-`: the process starts with fd 1 closed.
    args = ["token", "--jwt-config", app["config"], *app["where"]]
    proc = subprocess.run(
        [sys.executable, "-m", "boxauth", *args], cwd=app["dir"], env=clean_env(),
        stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, check=False,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert proc.returncode == 5
    assert proc.stderr == "boxauth: stdout is closed\n"
    assert box.emu.grant_counts.get("urn:ietf:params:oauth:grant-type:jwt-bearer", 0) == 0


def test_a_reader_that_goes_away_is_one_line_and_exit_5(box: Any, app: dict[str, Any]) -> None:
    # `boxauth whoami --json | head -c 0`: the pipe is closed before we write.
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc = popen(["whoami", "--json", "--jwt-config", app["config"], *app["where"]], app["dir"],
                 stdout=write_end, stderr=subprocess.PIPE)  # fmt: skip
    os.close(write_end)
    _out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 5
    assert err == "boxauth: stdout was closed by its reader (broken pipe)\n"


def test_ctrl_c_during_a_request_is_one_line_and_exit_130(
    app: dict[str, Any], tmp_path: Path
) -> None:
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        proc = popen(["token", "--jwt-config", app["config"], "--base-url", base], tmp_path,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        conn, _ = silent.accept()  # the request is in flight
        try:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            conn.close()
            proc.kill()
    assert proc.returncode == 130
    assert err == "boxauth token: interrupted\n"
    assert out == ""


def test_a_fifo_as_the_config_file_is_refused_at_once(app: dict[str, Any]) -> None:
    fifo = app["dir"] / "config.json"
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    started = time.monotonic()
    proc = run(["token", "--jwt-config", str(fifo)], app["dir"])
    assert time.monotonic() - started < 10
    assert_error(proc, 2, f"{str(fifo)!r} is not a regular file")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.mkdir(), "is not a regular file"),
        (lambda p: p.write_bytes(b"\xff\xfe{"), "is not UTF-8 text"),
        (lambda p: p.write_bytes(b"{" * (64 * 1024 + 1)), "is larger than 64 KiB"),
        (lambda p: p.symlink_to(p), "cannot read"),
    ],
)
def test_config_files_that_are_not_configs(app: dict[str, Any], make: Any, words: str) -> None:
    path = app["dir"] / "odd.json"
    make(path)
    assert_error(run(["token", "--jwt-config", str(path)], app["dir"]), 2, repr(str(path)), words)


def test_arguments_that_are_not_utf8(app: dict[str, Any]) -> None:
    # Bytes that are not UTF-8 reach Python as lone surrogates.
    args = [os.fsencode("token"), b"--jwt-config", b"caf\xe9.json"]
    proc = subprocess.run([os.fsencode(sys.executable), b"-m", b"boxauth", *args],
                          cwd=app["dir"], env=clean_env(), capture_output=True, timeout=TIMEOUT,
                          check=False)  # fmt: skip
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1
    assert b"Traceback" not in proc.stderr
    proc = subprocess.run([os.fsencode(sys.executable), b"-m", b"boxauth", b"\xff\xfe"],
                          cwd=app["dir"], env=clean_env(), capture_output=True, timeout=TIMEOUT,
                          check=False)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr == b"boxauth: argument COMMAND: invalid choice: a 2-character value " + (
        b"(choose from 'token', 'whoami', 'downscope', 'revoke', 'login', 'emulator', 'demo')"
        b" (see --help)\n"
    )


def test_a_locale_that_cannot_encode_the_output(box: Any, app: dict[str, Any]) -> None:
    user = box.emu.add_user(box.fx.enterprise_id, name="Ada Lovelace \u00e9\u4e2d", login="a@x")
    env = {**app["creds"], "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    proc = run(["whoami", "--user-id", user, *app["where"]], app["dir"], env)
    assert proc.returncode == 0, proc.stderr
    assert "name: Ada Lovelace \\xe9\\u4e2d\n" in proc.stdout


def test_an_unexpected_exception_is_one_line_without_its_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: Any) -> int:
        raise RuntimeError("MARKER-SECRET in a library message")

    monkeypatch.setitem(cli.COMMANDS, "token", broken)
    assert cli.main(["token", "--developer-token", "x"]) == 70
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "boxauth token: internal error (RuntimeError); please report it with the command "
        "that caused it\n"
    )


def test_every_exit_code_is_documented_in_help(tmp_path: Path) -> None:
    proc = run(["--help"], tmp_path)
    text = " ".join(proc.stdout.split())
    for code, words in cli.EXIT_CODES:
        assert f"{code} {words}" in text, code
    sub = run(["token", "--help"], tmp_path)
    assert "5 the output could not be written" in " ".join(sub.stdout.split())


# -- server text is escaped ----------------------------------------------------------


HOSTILE = {
    "name": "Ada\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]0;pwned\x07\r\nid: 1\u202egnp.exe\x9b31m",
    "login": "ada@example.com\x00\x7f\u2028x",
}


def test_terminal_text_escapes_every_control_character() -> None:
    assert terminal_text(HOSTILE["name"]) == (
        "Ada\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b]0;pwned\\x07\\x0d\\x0aid: 1\\u202egnp.exe\\x9b31m"
    )
    assert terminal_text(HOSTILE["login"]) == "ada@example.com\\x00\\x7f\\u2028x"
    assert terminal_text("Zoë Ünal 中文") == "Zoë Ünal 中文"
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x200E, 0x202A, 0x2066, 0x2069]:
        assert terminal_text(chr(code)).startswith("\\"), hex(code)


def test_whoami_escapes_the_servers_text(box: Any, app: dict[str, Any]) -> None:
    user = box.emu.add_user(box.fx.enterprise_id, **HOSTILE)
    args = ["whoami", "--user-id", user, *app["where"]]
    proc = run(args, app["dir"], app["creds"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"id: {user}\n"
        f"name: {terminal_text(HOSTILE['name'])}\n"
        f"login: {terminal_text(HOSTILE['login'])}\n"
    )
    assert all(ch == "\n" or ch.isprintable() for ch in proc.stdout)
    # JSON output keeps the exact text, escaped by JSON itself.
    proc = run([*args, "--json"], app["dir"], app["creds"])
    record = json.loads(proc.stdout)
    assert (record["name"], record["login"]) == (HOSTILE["name"], HOSTILE["login"])
    assert proc.stdout.isascii()
    assert "\x1b" not in proc.stdout


def test_error_and_log_lines_are_escaped_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refused(*_args: Any) -> int:
        raise cli.CommandError(1, "boxauth token: Box said \x1b]0;title\x07\nforged line")

    monkeypatch.setitem(cli.COMMANDS, "token", refused)
    assert cli.main(["token", "--developer-token", "x"]) == 1
    assert capsys.readouterr().err == "boxauth token: Box said \\x1b]0;title\\x07 forged line\n"


def test_a_slow_stdin_or_terminal_is_not_read(app: dict[str, Any]) -> None:
    # Nothing reads stdin: a command given a stdin that never ends still ends.
    read_end, write_end = os.pipe()
    try:
        proc = popen(["token", "--jwt-config", "missing.json"], app["dir"], stdin=read_end,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert proc.returncode == 2
    assert "cannot read 'missing.json'" in err


# -- the output helpers never raise on a stored token -------------------------------------

# Every expires_at the storage accepts (check_time: a finite number up to 2**53
# in size), the edges of what datetime can show, and values it would refuse.
_TIMES = st.one_of(
    st.none(),
    st.floats(min_value=-MAX_TIME, max_value=MAX_TIME, allow_nan=False),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.sampled_from([1e15, -1e15, 253402300799, 253402300800, -62135596800, -62135596801,
                     253402300799.999, -0.5, 0, 2**53]),
)  # fmt: skip


@settings(max_examples=300)
@given(when=_TIMES)
def test_token_facts_never_raise_for_any_time_the_storage_accepts(
    when: float | int | None,
) -> None:
    token = AccessToken(access_token="a" * 32, expires_in=3600, expires_at=when)
    assert check_token(token, "t").unwrap() is token  # a token the storage accepts
    facts = token_facts(token)
    json.dumps(facts)  # what `token --json` prints
    shown = iso(when)
    if when is not None and -62135596800 <= when < 253402300800:
        assert shown is not None
        assert datetime.fromisoformat(shown) == datetime.fromtimestamp(math.floor(when), UTC)
    else:
        assert shown is None
    assert facts["expires_at_utc"] == shown


def test_iso_never_raises_on_values_no_storage_accepts() -> None:
    for value in (math.nan, math.inf, -math.inf, 10**400, True, "2026", object()):
        assert iso(value) is None


def test_token_json_prints_a_far_expiry_instead_of_exit_70(tmp_path: Path) -> None:
    # A file the storage wrote and accepts, expires_at=1e15 (once exit 70).
    FileTokenStorage(str(tmp_path / "t.json")).store(
        AccessToken(access_token="a" * 32, refresh_token="r" * 64, expires_in=3600,
                    expires_at=1e15))  # fmt: skip
    args = ["token", "--json", "--token-file", "t.json", "--base-url", "http://127.0.0.1:9",
            "--oauth2-url", "http://127.0.0.1:9"]  # fmt: skip
    proc = run(args, tmp_path, {"BOX_CLIENT_ID": "cid", "BOX_CLIENT_SECRET": "csecret"})
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["access_token"], record["expires_at"]) == ("a" * 32, 1e15)
    assert record["expires_at_utc"] is None
