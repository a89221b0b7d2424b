"""``boxauth emulator``: its output, its errors, its config file, and its signals.

Every test runs the real console script in a subprocess and kills whatever it
started in a ``finally``, whatever happened.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import select
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from boxauth.adapters.emulator import fixture_file
from boxauth.adapters.emulator.fixture_file import FixtureFileError, write_private

BOXAUTH = str(Path(sys.executable).with_name("boxauth"))
START_SECONDS = 30.0  # generous: 2 cores shared by several test runs
EXIT_SECONDS = 5.0


@contextmanager
def emulator(*args: str, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [BOXAUTH, "emulator", *args], cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        bufsize=0,  # unbuffered: select() below must see every byte not yet read
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def read_line(proc: subprocess.Popen[bytes], seconds: float = START_SECONDS) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], seconds)
    assert ready, "the emulator printed nothing in time"
    return proc.stdout.readline().decode()


def read_until_comment_end(proc: subprocess.Popen[bytes]) -> list[str]:
    lines = [read_line(proc).rstrip("\n")]
    while not lines[-1].startswith("# stop with"):
        lines.append(read_line(proc).rstrip("\n"))
    return lines


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> tuple[int, bytes]:
    proc.send_signal(sig)
    code = proc.wait(EXIT_SECONDS)
    assert proc.stderr is not None
    return code, proc.stderr.read()


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: PLW1510 - the tests read returncode
        [BOXAUTH, "emulator", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
    )


def exports(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            out[name] = shlex.split(value)[0]
    return out


def assert_one_line_error(proc: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.endswith("\n")
    assert proc.stderr.startswith("boxauth emulator: error: ")
    assert text in proc.stderr


# -- output ------------------------------------------------------------------------------
def test_first_line_then_exports_without_a_fixture() -> None:
    with emulator() as proc:
        lines = read_until_comment_end(proc)
        assert lines[0].startswith("listening on http://127.0.0.1:")
        base = lines[0].removeprefix("listening on ")
        assert lines[1] == f"export BOX_BASE_URL={base}"
        assert lines[2] == f"export BOX_OAUTH2_URL={base}/api/oauth2"
        assert all(line.startswith(("export ", "#")) for line in lines[1:])
        host, port = base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/2.0/users/me")
        assert conn.getresponse().status == 401
        assert stop(proc) == (0, b"")


def test_fixture_out_prints_everything_but_the_secret(tmp_path: Path) -> None:
    out = tmp_path / "app.json"
    with emulator("--fixture-out", "app.json", cwd=tmp_path) as proc:
        lines = read_until_comment_end(proc)
        values = exports(lines)
        config = json.loads(out.read_text())
        settings = config["boxAppSettings"]
        assert values["BOX_JWT_CONFIG"] == str(out)
        assert os.path.isabs(values["BOX_JWT_CONFIG"])
        assert values["BOX_EMULATOR_CLIENT_ID"] == settings["clientID"]
        assert values["BOX_EMULATOR_ENTERPRISE_ID"] == config["enterpriseID"]
        for name in ("USER_ID", "APP_USER_ID", "SERVICE_ACCOUNT_ID", "FOLDER_ID", "FILE_ID"):
            assert values[f"BOX_EMULATOR_{name}"].isdigit(), name
        assert values["BOX_EMULATOR_REDIRECT_URI"] == "http://127.0.0.1/callback"
        assert f"# client secret: in {out} (boxAppSettings.clientSecret)" in lines
        printed = "\n".join(lines)
        for secret in (settings["clientSecret"], settings["appAuth"]["passphrase"],
                       "PRIVATE KEY"):
            assert secret not in printed
        assert stop(proc) == (0, b"")


def test_help_shows_every_default() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    for default in ("(default: 127.0.0.1)", "(default: 0)", "(default: no app is registered)",
                    "(default: refused)"):
        assert default in text
    assert "Exit codes" in text


# -- errors: one line, a documented code, no echoed value ------------------------------------
@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--bogus",), "unexpected argument --bogus"),
        (("--bogus=s3cr3t-value",), "unexpected argument --bogus"),
        (("{\"clientSecret\": \"s3cr3t-value\"}",), "unexpected argument of"),
        (("--port", "abc"), "--port must be a whole number"),
        (("--port", "65536"), "--port must be a whole number"),
        (("--port", "²"), "--port must be a whole number"),
        (("--port",), "--port: expected one argument"),
        (("--fixture-out", ""), "--fixture-out needs a file name"),
        (("--fix", "x"), "unexpected argument --fix"),  # no abbreviations
        (("--host", "0.0.0.0"), "not a loopback address"),  # noqa: S104
    ],
)
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...], text: str) -> None:
    proc = run(*args)
    assert_one_line_error(proc, 2, text)
    assert "s3cr3t-value" not in proc.stderr


def test_port_in_use_is_one_line_exit_3() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = run("--port", str(taken.getsockname()[1]))
    assert_one_line_error(proc, 3, "the address is already in use")


def test_an_address_of_another_machine_is_one_line_exit_3() -> None:
    proc = run("--host", "192.0.2.1", "--allow-non-loopback")  # TEST-NET-1: never local
    assert_one_line_error(proc, 3, "not an address of this machine")


def test_a_missing_fixture_directory_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = run("--fixture-out", str(tmp_path / "nope" / "app.json"))
    assert_one_line_error(proc, 2, "its directory does not exist")


def test_an_unwritable_fixture_directory_is_one_line_exit_2(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = "/sys/app.json"  # sysfs refuses new files even to root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = str(locked / "app.json")
    proc = run("--fixture-out", target)
    assert_one_line_error(proc, 2, "permission denied")


def test_stdout_closed_is_one_line_exit_1() -> None:
    with emulator() as proc:
        assert proc.stdout is not None
        proc.stdout.close()  # before the child writes its first line
        code = proc.wait(START_SECONDS)
        assert proc.stderr is not None
        err = proc.stderr.read().decode()
    assert code == 1
    assert err == "boxauth emulator: error: cannot write to stdout\n"


# -- the config file: written 0600, atomically, never through a link ------------------------
def test_an_existing_world_readable_file_is_replaced_by_a_0600_file(tmp_path: Path) -> None:
    out = tmp_path / "app.json"
    out.write_text("old")
    out.chmod(0o644)
    with emulator("--fixture-out", str(out)) as proc:
        read_until_comment_end(proc)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        assert json.loads(out.read_text())["boxAppSettings"]["clientSecret"]
        assert stop(proc) == (0, b"")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.json"]  # no temp file left


def test_a_symlink_at_the_fixture_path_is_refused_and_its_target_untouched(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    link = tmp_path / "app.json"
    link.symlink_to(victim)
    proc = run("--fixture-out", str(link))
    assert_one_line_error(proc, 2, "it is a symbolic link")
    assert victim.read_text() == "precious"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert link.is_symlink()


def test_a_dangling_symlink_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    link = tmp_path / "app.json"
    link.symlink_to(tmp_path / "created-through-the-link.json")
    proc = run("--fixture-out", str(link))
    assert_one_line_error(proc, 2, "it is a symbolic link")
    assert not (tmp_path / "created-through-the-link.json").exists()


def test_a_fifo_or_directory_at_the_fixture_path_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # run() times out after 60 s: opening the FIFO for writing would block for ever.
    assert_one_line_error(run("--fixture-out", str(fifo)), 2, "not a regular file")
    assert_one_line_error(run("--fixture-out", str(tmp_path)), 2, "not a regular file")


def test_another_users_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "app.json"
    out.write_text("theirs")
    if os.geteuid() == 0:
        os.chown(out, 65534, 65534)  # nobody
    else:
        monkeypatch.setattr(fixture_file.os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(FixtureFileError, match="belongs to another user"):
        write_private(str(out), "secret text")
    assert out.read_text() == "theirs"


def test_write_private_is_atomic_and_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = write_private(str(tmp_path / "a.json"), "x" * 10_000)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "x" * 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_failed_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fixture_file.os, "fsync", no_space)
    with pytest.raises(FixtureFileError, match="no space left on the device"):
        write_private(str(tmp_path / "a.json"), "secret text")
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_looks_like_a_secret_is_not_echoed(tmp_path: Path) -> None:
    pasted = '{"boxAppSettings": {"clientSecret": "s3cr3t-value"}}'
    with pytest.raises(FixtureFileError) as refused:
        write_private(str(tmp_path / "nope" / pasted), "x")
    assert "s3cr3t-value" not in str(refused.value)
    assert "does not look like a path" in str(refused.value)


# -- signals: SIGINT, SIGTERM and SIGHUP end the emulator cleanly ---------------------------
CYCLES = 300


def _cycle(index: int, sig: int) -> tuple[int | None, bytes, float]:
    """Start the emulator, signal it after a short varying delay; (exit code, stderr, seconds)."""
    with emulator() as proc:
        first = read_line(proc)
        assert first.startswith("listening on "), first
        # 0-18 ms: the signal lands while output is flushed, while the main
        # thread enters os.read, and while it blocks there.
        time.sleep((index % 7) * 0.003)
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            code: int | None = proc.wait(EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            code = None  # the finally of emulator() kills it
        took = time.monotonic() - sent
        assert proc.stderr is not None
        err = proc.stderr.read() if code is not None else b""
    return code, err, took


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_300_start_and_signal_cycles_all_exit_cleanly_within_5_s(sig: int) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:  # 2 cores: a few at once, not 300
        results = list(pool.map(lambda i: _cycle(i, sig), range(CYCLES)))
    wall = time.monotonic() - started
    codes = [code for code, _, _ in results]
    assert codes == [0] * CYCLES, f"{codes.count(None)} did not exit within {EXIT_SECONDS} s"
    assert all(err == b"" for _, err, _ in results)
    slowest = max(took for _, _, took in results)
    assert slowest < EXIT_SECONDS
    print(f"{CYCLES} cycles of {signal.Signals(sig).name}: {wall:.1f} s wall, "
          f"slowest exit {slowest:.3f} s")
