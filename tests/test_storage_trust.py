"""File storages trust only regular files that are ours and writable by no one else.

Another user's token planted in a shared directory, symlinks at the token and
lock files, and "bad input never hangs" (a FIFO at the token or lock path);
README "Storage" states each rule. The tests run as root, which bypasses EPERM,
so the refusals must be (and are shown to be) based on ownership and mode; a
subprocess with a non-root effective uid checks the same scenario as a user.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters import files as files_module
from boxauth.adapters.storage import FileTokenStorage, FileWithInMemoryCacheTokenStorage

from boxauth.access_token import AccessToken, token_to_json
from boxauth.errors import StorageFailureKind
from boxauth.exceptions import BoxStorageError

NOBODY = 65534  # the planting user
USER = 65533  # a non-root user of ours, in the subprocess tests

PLANTED = AccessToken(access_token="planted-SECRET-access", refresh_token="planted-SECRET-refresh")
OURS = AccessToken(access_token="ours-SECRET-access", refresh_token="ours-SECRET-refresh")
CLASSES = [FileTokenStorage, FileWithInMemoryCacheTokenStorage]


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A sticky, world-writable directory like /tmp, reachable by every user."""
    folder = Path(tempfile.mkdtemp(prefix="boxauth-shared-", dir="/tmp"))
    folder.chmod(0o1777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _plant(path: Path, mode: int = 0o644, uid: int = NOBODY) -> os.stat_result:
    path.write_text(token_to_json(PLANTED))
    os.chown(path, uid, uid)
    path.chmod(mode)
    return path.stat()


def _untrusted(call: Callable[[], Any]) -> str:
    with pytest.raises(BoxStorageError) as caught:
        call()
    assert caught.value.error.kind is StorageFailureKind.UNTRUSTED
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    text = str(caught.value)
    assert "SECRET" not in text
    return caught.value.error.detail


# -- another user's files -----------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_another_users_token_file_is_refused_for_every_operation(
    shared_dir: Path, cls: type[FileTokenStorage]
) -> None:
    path = shared_dir / ".boxauth_token.json"
    before = _plant(path)
    storage = cls(filename=str(path))
    expected = f"{path} is owned by another user (uid {NOBODY}, not 0)"
    assert _untrusted(storage.get).startswith(expected)
    assert _untrusted(lambda: storage.store(OURS)).startswith(expected)
    assert _untrusted(storage.clear).startswith(expected)
    if cls is FileWithInMemoryCacheTokenStorage:  # its lock() re-reads the file
        assert _untrusted(lambda: storage.lock().__enter__()).startswith(expected)
    else:
        with storage.lock():  # the lock file is ours: taking the lock is fine
            assert _untrusted(storage.get).startswith(expected)
    after = path.stat()
    assert (after.st_ino, after.st_uid) == (before.st_ino, NOBODY)  # untouched
    assert json.loads(path.read_text())["refresh_token"] == PLANTED.refresh_token


@pytest.mark.parametrize("cls", CLASSES)
def test_another_users_lock_file_is_refused(shared_dir: Path, cls: type[FileTokenStorage]) -> None:
    path = shared_dir / "t.json"
    lock_path = shared_dir / "t.json.lock"
    lock_path.touch()
    os.chown(lock_path, NOBODY, NOBODY)
    storage = cls(filename=str(path))
    detail = _untrusted(lambda: storage.lock().__enter__())
    assert detail.startswith(f"{lock_path} is owned by another user")
    assert _untrusted(lambda: storage.store(OURS)).startswith(f"{lock_path} is owned")
    assert not path.exists()


_AS_USER = r"""
import json, os, sys
from boxauth.adapters.storage import FileTokenStorage
from boxauth.access_token import AccessToken
from boxauth.exceptions import BoxStorageError

os.setegid(int(sys.argv[2]))
os.seteuid(int(sys.argv[2]))
os.umask(int(sys.argv[3], 8))
storage = FileTokenStorage(filename=sys.argv[1])


def lock_twice():
    for _ in range(2):  # a new instance opens the existing lock file again
        with FileTokenStorage(filename=sys.argv[1]).lock(timeout=0):
            pass


out = {}
for name, call in [
    ("get", storage.get),
    ("store", lambda: storage.store(AccessToken(access_token="mine", refresh_token="mine-r"))),
    ("get again", storage.get),
    ("lock twice", lock_twice),
    ("clear", storage.clear),
]:
    try:
        got = call()
        out[name] = "ok" if name != "get again" else (got and got.refresh_token)
    except BoxStorageError as exc:
        out[name] = [exc.error.kind.value, exc.error.detail]
    except Exception as exc:
        out[name] = ["raised", type(exc).__name__]
print(json.dumps(out))
"""


def _as_user(path: Path, umask: int = 0o022) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _AS_USER, str(path), str(USER), f"{umask:o}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize("mode", [0o644, 0o600])
def test_as_a_user_a_planted_token_in_a_shared_directory_is_refused(
    shared_dir: Path, mode: int
) -> None:
    # The planted file must not be read (0644 is readable), and
    # a failed save must be refused by ownership, not an EPERM from rename.
    path = shared_dir / ".boxauth_token.json"
    _plant(path, mode)
    out = _as_user(path)
    owned = f"{path} is owned by another user (uid {NOBODY}, not {USER})"
    for step in ("get", "store", "get again", "clear"):
        assert out[step][0] == "untrusted", (step, out)
        assert out[step][1].startswith(owned), (step, out)
    assert json.loads(path.read_text())["refresh_token"] == PLANTED.refresh_token


def test_as_a_user_with_a_narrow_umask_the_lock_file_opens_again(shared_dir: Path) -> None:
    # Under umask 0o277 the lock file is created 0400; opening it read-write the
    # next time failed with EACCES. flock needs only a read-only descriptor.
    path = shared_dir / "mine.json"
    out = _as_user(path, umask=0o277)
    assert out == {
        "get": "ok",
        "store": "ok",
        "get again": "mine-r",
        "lock twice": "ok",
        "clear": "ok",
    }
    assert stat.S_IMODE((shared_dir / "mine.json.lock").stat().st_mode) == 0o400


# -- modes --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602, 0o660])
@pytest.mark.parametrize("cls", CLASSES)
def test_a_token_file_writable_by_others_is_refused(
    tmp_path: Path, cls: type[FileTokenStorage], mode: int
) -> None:
    path = tmp_path / "t.json"
    _plant(path, mode, uid=os.geteuid())
    storage = cls(filename=str(path))
    expected = f"{path} is writable by other users (mode {mode:04o})"
    assert _untrusted(storage.get).startswith(expected)
    assert _untrusted(lambda: storage.store(OURS)).startswith(expected)
    assert json.loads(path.read_text())["refresh_token"] == PLANTED.refresh_token
    storage.clear()  # ours, so clear() removes it: it may hold our token
    assert not path.exists()


def test_a_lock_file_writable_by_others_is_refused(tmp_path: Path) -> None:
    lock_path = tmp_path / "t.json.lock"
    lock_path.touch()
    lock_path.chmod(0o666)
    storage = FileTokenStorage(filename=str(tmp_path / "t.json"))
    detail = _untrusted(lambda: storage.lock().__enter__())
    assert detail.startswith(f"{lock_path} is writable by other users (mode 0666)")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o400])
@pytest.mark.parametrize("cls", CLASSES)
def test_our_file_readable_by_others_is_read_with_a_warning_and_narrowed_by_the_next_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, cls: type[FileTokenStorage], mode: int
) -> None:
    path = tmp_path / "t.json"
    _plant(path, mode, uid=os.geteuid())
    storage = cls(filename=str(path))
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        assert storage.get() == PLANTED
    warnings = [r.getMessage() for r in caplog.records]
    if mode & 0o044:
        assert len(warnings) == 1
        assert str(path) in warnings[0] and "readable by other users" in warnings[0]
        assert "0600" in warnings[0] and "SECRET" not in warnings[0]
    else:
        assert warnings == []
    storage.store(OURS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FileTokenStorage(filename=str(path)).get() == OURS


# -- symlinks -------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_a_symlink_at_the_token_path_is_never_followed(
    tmp_path: Path, cls: type[FileTokenStorage]
) -> None:
    target = tmp_path / "elsewhere.json"
    _plant(target, 0o600, uid=os.geteuid())  # a valid token file of ours
    path = tmp_path / "t.json"
    path.symlink_to(target)
    storage = cls(filename=str(path))
    expected = f"{path} is a symbolic link; refusing to follow it"
    assert _untrusted(storage.get) == expected
    assert _untrusted(lambda: storage.store(OURS)) == expected
    assert _untrusted(storage.clear) == expected
    assert path.is_symlink()
    assert json.loads(target.read_text())["refresh_token"] == PLANTED.refresh_token


@pytest.mark.parametrize("dangling", [True, False])
def test_a_symlink_at_the_lock_path_is_never_followed_nor_created_through(
    tmp_path: Path, dangling: bool
) -> None:
    # A planted link once made the library create its target.
    target = tmp_path / "victim"
    if not dangling:
        target.write_text("someone else's data")
        target.chmod(0o600)
    lock_path = tmp_path / "t.json.lock"
    lock_path.symlink_to(target)
    storage = FileTokenStorage(filename=str(tmp_path / "t.json"))
    expected = f"{lock_path} is a symbolic link; refusing to follow it"
    assert _untrusted(lambda: storage.lock().__enter__()) == expected
    assert _untrusted(lambda: storage.store(OURS)) == expected
    assert target.exists() is not dangling
    if not dangling:
        assert target.read_text() == "someone else's data"
    assert not (tmp_path / "t.json").exists()


def test_a_symlink_planted_at_the_next_temp_name_is_not_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.json"
    target = tmp_path / "victim"
    monkeypatch.setattr(files_module.secrets, "token_hex", lambda n: "0123456789abcdef")
    temp = tmp_path / ".t.json.0123456789abcdef.tmp"
    temp.symlink_to(target)
    with pytest.raises(BoxStorageError) as caught:
        FileTokenStorage(filename=str(path)).store(OURS)
    assert caught.value.error.kind is StorageFailureKind.WRITE
    assert "cannot create a temp file" in caught.value.error.detail
    assert not target.exists() and temp.is_symlink()  # a link is not a stale temp: kept
    assert not path.exists()


# -- special files never block ---------------------------------------------------------------


def _within(seconds: float, call: Callable[[], Any], fifo: Path) -> BaseException | None:
    """Run ``call`` in a thread; fail the test if it is still blocked after ``seconds``."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # handed back to the test
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        # Unblock the stuck open (a writer arrives), then fail.
        fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
        thread.join(5)
        os.close(fd)
        pytest.fail(f"blocked on the FIFO at {fifo} for more than {seconds}s")
    return outcome[0]


@pytest.mark.parametrize("cls", CLASSES)
def test_a_fifo_at_the_token_path_is_refused_without_blocking(
    tmp_path: Path, cls: type[FileTokenStorage]
) -> None:
    path = tmp_path / "t.json"
    os.mkfifo(path, 0o600)
    storage = cls(filename=str(path))
    for call in (storage.get, lambda: storage.store(OURS), storage.clear):
        error = _within(5, call, path)
        assert isinstance(error, BoxStorageError)
        assert error.error.kind is StorageFailureKind.UNTRUSTED
        assert error.error.detail == f"{path} is a FIFO, not a regular file"
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


@pytest.mark.parametrize("cls", CLASSES)
def test_a_fifo_at_the_lock_path_is_refused_without_blocking(
    tmp_path: Path, cls: type[FileTokenStorage]
) -> None:
    lock_path = tmp_path / "t.json.lock"
    os.mkfifo(lock_path, 0o600)
    storage = cls(filename=str(tmp_path / "t.json"))
    error = _within(5, lambda: storage.lock().__enter__(), lock_path)
    assert isinstance(error, BoxStorageError)
    assert error.error.kind is StorageFailureKind.UNTRUSTED
    assert error.error.detail == f"{lock_path} is a FIFO, not a regular file"


def test_a_socket_at_the_token_path_is_named_as_such(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "t.json"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        detail = _untrusted(FileTokenStorage(filename=str(path)).get)
    assert detail == f"{path} is a socket, not a regular file"


# -- the lock file's mode, and terminals -----------------------------------------------------

_HOLD_LOCK = r"""
import fcntl, os, sys, time
os.setegid(int(sys.argv[2]))
os.seteuid(int(sys.argv[2]))
try:
    fd = os.open(sys.argv[1], os.O_RDONLY)
except PermissionError:
    print("refused", flush=True)
    sys.exit(0)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("holding", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("cls", CLASSES)
def test_our_lock_file_readable_by_others_is_narrowed_so_no_one_else_can_flock_it(
    shared_dir: Path, cls: type[FileTokenStorage]
) -> None:
    # flock needs only a read-only descriptor: another user who can read our
    # lock file can hold it and make every save wait (a denial of service).
    path = shared_dir / "t.json"
    lock_path = shared_dir / "t.json.lock"
    lock_path.touch()
    lock_path.chmod(0o644)  # left so by an older version, a copy, a chmod
    storage = cls(filename=str(path))
    with storage.lock(timeout=1):
        pass
    assert stat.S_IMODE(lock_path.stat().st_mode) == 0o600
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(lock_path), str(USER)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "refused"
        with storage.lock(timeout=1):
            storage.store(OURS)
    finally:
        other.kill()
        other.wait(timeout=10)
    assert storage.get() == OURS


_OPEN_A_TERMINAL = r"""
import os, sys
from boxauth.adapters.storage import FileTokenStorage
from boxauth.exceptions import BoxStorageError

_master, slave = os.openpty()  # glibc opens both ends with O_NOCTTY
name = os.ttyname(slave)
try:
    FileTokenStorage(filename=name).get()
except BoxStorageError as exc:
    print(exc.error.kind.value)
try:
    os.close(os.open("/dev/tty", os.O_RDWR))
    print("it became our controlling terminal")
except OSError:
    print("no controlling terminal")
"""


def test_a_terminal_named_as_the_token_file_never_becomes_our_controlling_terminal() -> None:
    # open(2) without O_NOCTTY makes a terminal the controlling terminal of a
    # session leader that has none: its hangup or Ctrl-C would then reach us.
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_A_TERMINAL], capture_output=True, text=True,
        timeout=60, check=True, start_new_session=True,
    )  # fmt: skip
    assert done.stdout.splitlines() == ["untrusted", "no controlling terminal"], done.stderr
