"""The storage error contract: typed errors only, naming the file, never a secret.

A missing directory or a directory at the lock path is never a raw OSError;
bad input gets a typed error (filenames, timeouts, tokens); a path means what
the user meant (a relative path is resolved once); and box_sdk_gen's
``InMemoryTokenStorage(token=...)`` works. README "Storage" states each rule.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from boxauth.adapters import storage as storage_module
from boxauth.adapters.storage import (
    FileTokenStorage,
    FileWithInMemoryCacheTokenStorage,
    InMemoryTokenStorage,
    StorageLockTimeout,
    TokenStorage,
)
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success
from support import authorize_redirect

from boxauth import BaseUrls, BoxOAuth, OAuthConfig
from boxauth.access_token import AccessToken, RestrictedTo, token_to_json
from boxauth.errors import InvalidInput, StorageFailure, StorageFailureKind
from boxauth.exceptions import BoxConfigError, BoxStorageError
from boxauth.identity import Owner

SECRET = "SECRET"
TOKEN = AccessToken(
    access_token="acc-SECRET-x", refresh_token="ref-SECRET-x", expires_in=3600, expires_at=2e9
)
CLASSES = [FileTokenStorage, FileWithInMemoryCacheTokenStorage]


def _failure(call: Callable[[], Any]) -> StorageFailure:
    with pytest.raises(BoxStorageError) as caught:
        call()
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert SECRET not in str(caught.value)
    error = caught.value.error
    assert isinstance(error, StorageFailure)
    return error


def _enter_lock(storage: TokenStorage) -> None:
    with storage.lock(timeout=1):
        pass


# -- missing directories and directories in the way -----------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_a_missing_directory_is_a_typed_lock_error_and_an_empty_read(
    tmp_path: Path, cls: type[FileTokenStorage]
) -> None:
    folder = tmp_path / "missing"
    path = folder / "t.json"
    storage = cls(filename=str(path))
    if cls is FileTokenStorage:
        assert storage.get() is None  # nothing is stored there: empty, silently
    expected = StorageFailure(
        StorageFailureKind.LOCK,
        f"cannot create the lock file {path}.lock: the directory {folder} does not exist",
    )
    assert _failure(lambda: _enter_lock(storage)) == expected
    assert _failure(lambda: storage.store(TOKEN)) == expected
    assert _failure(storage.clear) == expected
    assert not folder.exists()


@pytest.mark.parametrize("cls", CLASSES)
def test_a_directory_where_the_lock_file_should_be_is_a_typed_error(
    tmp_path: Path, cls: type[FileTokenStorage]
) -> None:
    path = tmp_path / "t.json"
    (tmp_path / "t.json.lock").mkdir()
    storage = cls(filename=str(path))
    expected = StorageFailure(
        StorageFailureKind.UNTRUSTED, f"{path}.lock is a directory, not a regular file"
    )
    assert _failure(lambda: _enter_lock(storage)) == expected
    assert _failure(lambda: storage.store(TOKEN)) == expected
    assert _failure(storage.clear) == expected
    assert not path.exists()


def test_a_file_where_a_directory_should_be_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    path = tmp_path / "file" / "t.json"
    storage = FileTokenStorage(filename=str(path))
    assert _failure(storage.get) == StorageFailure(
        StorageFailureKind.READ, f"cannot read {path} (Not a directory)"
    )
    assert _failure(lambda: storage.store(TOKEN)) == StorageFailure(
        StorageFailureKind.LOCK, f"cannot create the lock file {path}.lock (Not a directory)"
    )


# -- every OS failure is typed, at every call the storage makes ----------------------------

_FAULTS = ["open", "fstat", "read", "write", "fsync", "replace", "unlink", "listdir", "stat"]


def _methods(storage: FileTokenStorage) -> dict[str, Callable[[], Any]]:
    methods: dict[str, Callable[[], Any]] = {
        "get": storage.get,
        "store": lambda: storage.store(TOKEN),
        "clear": storage.clear,
        "lock": lambda: _enter_lock(storage),
    }
    if isinstance(storage, FileWithInMemoryCacheTokenStorage):
        methods["reload"] = storage.reload
    return methods


@pytest.mark.parametrize("code", [errno.EIO, errno.EACCES, errno.ENOSPC, errno.EROFS])
@pytest.mark.parametrize("fault", [*_FAULTS, "flock"])
@pytest.mark.parametrize("cls", CLASSES)
def test_an_os_error_anywhere_is_a_typed_storage_error_naming_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cls: type[FileTokenStorage],
    fault: str,
    code: int,
) -> None:
    path = tmp_path / "t.json"
    secret_path = f"/somewhere/{SECRET}"  # str(OSError) would quote it; we must not
    for name in _methods(cls(filename=str(path))):
        FileTokenStorage(filename=str(path)).store(TOKEN)
        (tmp_path / ".t.json.0123456789abcdef.tmp").write_text("stale")  # work for clear/store
        storage = cls(filename=str(path))
        target = fcntl if fault == "flock" else os
        real = getattr(target, fault)

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise OSError(code, os.strerror(code), secret_path)

        monkeypatch.setattr(target, fault, broken)
        try:
            _methods(storage)[name]()
        except BoxStorageError as exc:
            assert exc.__context__ is None and exc.__cause__ is None
            assert SECRET not in str(exc)
            assert str(path) in exc.error.detail
            assert os.strerror(code) in exc.error.detail or exc.error.kind.value == "untrusted"
        finally:
            monkeypatch.setattr(target, fault, real)


# -- bad arguments ---------------------------------------------------------------------------


class _BadPathLike:
    def __fspath__(self) -> Any:
        return 42


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (42, "must be a str or os.PathLike path"),
        (None, "must be a str or os.PathLike path"),
        (b"t.json", "must be a str or os.PathLike path"),
        ("", "is empty"),
        ("a\x00b", "is a value of 3 characters that is not a plausible path, not a path"),
        ("t.json\n", "is a value of 7 characters that is not a plausible path, not a path"),
        (
            '{"boxAppSettings": {"clientSecret": "SECRET"}}',
            "is a value of 46 characters that looks like JSON, not a path",
        ),
        ("~a\x00b/t.json", "is a value of 11 characters that is not a plausible path, not a path"),
        (Path("/a/b\x00"), "is a value of 5 characters that is not a plausible path, not a path"),
        (_BadPathLike(), "must be a str or os.PathLike path"),
        ("dir/", "names a directory, not a file"),
        (".", "names a directory, not a file"),
        ("sub/..", "names a directory, not a file"),
    ],
)
@pytest.mark.parametrize("cls", CLASSES)
def test_a_bad_filename_is_a_config_error_that_never_quotes_it(
    cls: type[FileTokenStorage], value: Any, problem: str
) -> None:
    with pytest.raises(BoxConfigError) as caught:
        cls(filename=value)
    assert caught.value.error == InvalidInput("filename", problem)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("timeout", ["30", None, float("nan"), True, [1]])
@pytest.mark.parametrize(
    "make", [InMemoryTokenStorage, FileTokenStorage, FileWithInMemoryCacheTokenStorage]
)
def test_a_bad_lock_timeout_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[], TokenStorage], timeout: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BoxConfigError) as caught:
        make().lock(timeout=timeout)
    assert caught.value.error == InvalidInput("timeout", "must be a number of seconds")


@pytest.mark.parametrize("timeout", [float("inf"), -1, 1e300, 10**400, 0])
@pytest.mark.parametrize(
    "make", [InMemoryTokenStorage, FileTokenStorage, FileWithInMemoryCacheTokenStorage]
)
def test_any_real_lock_timeout_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Callable[[], TokenStorage], timeout: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    storage = make()
    with storage.lock(timeout=timeout):
        storage.store(TOKEN)
    assert storage.get() == TOKEN


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("acc-SECRET-x", "store() needs an AccessToken, not a str"),
        (None, "store() needs an AccessToken, not a NoneType"),
        # The core's own words follow the field name; only the field is pinned here.
        (
            AccessToken(access_token="acc SECRET\n"),
            "refusing to save a malformed token (stored token: access_token: ",
        ),
        (
            AccessToken(access_token="acc-SECRET-x", expires_at=float("nan")),
            "refusing to save a malformed token (stored token: expires_at: ",
        ),
        (
            AccessToken(access_token="acc-SECRET-x", restricted_to=["item_preview"]),  # type: ignore[list-item]
            "refusing to save a malformed token (stored token: restricted_to: ",
        ),
    ],
)
@pytest.mark.parametrize("cls", CLASSES)
def test_storing_something_get_could_not_read_back_is_refused_and_keeps_the_file(
    tmp_path: Path, cls: type[FileTokenStorage], token: Any, problem: str
) -> None:
    path = tmp_path / "t.json"
    storage = cls(filename=str(path))
    storage.store(TOKEN)
    before = path.read_bytes()
    failure = _failure(lambda: storage.store(token))
    assert failure.kind is StorageFailureKind.WRITE
    assert failure.detail.startswith(problem)
    assert path.read_bytes() == before
    assert storage.get() == TOKEN


# -- paths mean what the user meant ----------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_a_relative_path_is_resolved_once_when_the_storage_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cls: type[FileTokenStorage]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    (first / "sub").mkdir(parents=True)
    second.mkdir()
    monkeypatch.chdir(first)
    storage = cls(filename="./sub/t.json")
    assert storage.filename == str(first / "sub" / "t.json")
    monkeypatch.chdir(second)  # the application changes directory later
    storage.store(TOKEN)
    assert (first / "sub" / "t.json").exists() and (first / "sub" / "t.json.lock").exists()
    assert list(second.iterdir()) == []
    assert cls(filename=str(first / "sub" / "t.json")).get() == TOKEN
    storage.clear()
    assert not (first / "sub" / "t.json").exists()


def test_dot_dot_is_kept_and_a_path_object_and_a_home_path_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert FileTokenStorage(filename="../t.json").filename == f"{tmp_path}/../t.json"
    assert FileTokenStorage(filename=tmp_path / "p.json").filename == str(tmp_path / "p.json")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert FileTokenStorage(filename="~/t.json").filename == str(tmp_path / "home" / "t.json")


def test_a_relative_path_without_a_current_directory_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(BoxConfigError) as caught:
        FileTokenStorage(filename="t.json")
    assert caught.value.error == InvalidInput(
        "filename", "is relative, and the current directory no longer exists"
    )
    absolute = FileTokenStorage(filename=str(tmp_path / "t.json"))  # absolute still works
    absolute.store(TOKEN)
    assert absolute.get() == TOKEN


def test_filename_is_read_only(tmp_path: Path) -> None:
    storage = FileTokenStorage(filename=str(tmp_path / "t.json"))
    with pytest.raises(AttributeError):
        storage.filename = "elsewhere.json"  # type: ignore[misc]
    assert storage.filename == str(tmp_path / "t.json")


# -- owner round trip, store under the lock, InMemoryTokenStorage(token=...) ----------------


@pytest.mark.parametrize(
    "owner",
    [
        Owner("client-id", "user", "123"),
        Owner("client-id", "enterprise", "456"),
        Owner("client-id", "oauth_user", None),
        None,
    ],
)
def test_the_owner_round_trips_through_both_file_storages(
    tmp_path: Path, owner: Owner | None
) -> None:
    token = AccessToken(
        access_token="acc-x",
        refresh_token="ref-x",
        expires_at=2e9,
        restricted_to=[RestrictedTo("base")],
        owner=owner,
    )
    path = str(tmp_path / "t.json")
    for writer in CLASSES:
        writer(filename=path).store(token)
        for reader in CLASSES:
            got = reader(filename=path).get()
            assert got == token and got is not None and got.owner == owner


def test_store_outside_lock_waits_for_the_lock_like_everyone_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every temp file is written under the lock, so the cleanup of stale temp
    # files (under the lock) can never remove a live writer's temp file.
    monkeypatch.setattr(storage_module, "_SELF_LOCK_TIMEOUT", 0.2)
    path = tmp_path / "t.json"
    holder = FileTokenStorage(filename=str(path))
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.lock():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert holding.wait(10)
        other = FileTokenStorage(filename=str(path))
        with pytest.raises(StorageLockTimeout):
            other.store(TOKEN)
        with pytest.raises(StorageLockTimeout):
            other.clear()
        assert not path.exists()
    finally:
        release.set()
        thread.join(10)
    other.store(TOKEN)
    assert other.get() == TOKEN


def test_in_memory_storage_takes_an_initial_token() -> None:
    assert InMemoryTokenStorage(token=TOKEN).get() is TOKEN
    assert InMemoryTokenStorage(TOKEN).get() is TOKEN  # positional, as box_sdk_gen allows
    assert InMemoryTokenStorage().get() is None
    storage = InMemoryTokenStorage(token=TOKEN)
    storage.clear()
    assert storage.get() is None
    with pytest.raises(BoxConfigError) as caught:
        InMemoryTokenStorage(token="acc-SECRET-x")  # type: ignore[arg-type]
    assert caught.value.error == InvalidInput("token", "must be an AccessToken or None")
    assert SECRET not in str(caught.value)
    assert repr(InMemoryTokenStorage(token=TOKEN)) == "InMemoryTokenStorage()"


# -- interrupts: whatever ends an operation, every lock is released -------------------------


class Interrupt(BaseException):
    """Like a gevent or eventlet timeout: not an Exception."""


@pytest.mark.parametrize("signal_like", [KeyboardInterrupt, Interrupt])
@pytest.mark.parametrize("where", ["write", "fsync", "replace", "listdir", "unlink"])
@pytest.mark.parametrize("cls", CLASSES)
def test_an_interrupt_during_store_or_clear_leaves_no_temp_and_no_lock_held(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cls: type[FileTokenStorage],
    where: str,
    signal_like: type[BaseException],
) -> None:
    path = tmp_path / "t.json"
    FileTokenStorage(filename=str(path)).store(TOKEN)
    storage = cls(filename=str(path))
    real = getattr(os, where)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise signal_like

    monkeypatch.setattr(os, where, interrupted)
    new = AccessToken(access_token="new-token", expires_at=3e9)
    for call in (lambda: storage.store(new), storage.clear):
        with contextlib.suppress(signal_like):  # it may also complete: both are fine
            call()
    monkeypatch.setattr(os, where, real)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    stored = FileTokenStorage(filename=str(path)).get()
    assert stored in (TOKEN, new, None)  # old or new or cleared, never torn
    other = FileTokenStorage(filename=str(path))
    with other.lock(timeout=0):  # neither the flock nor ...
        pass
    done = threading.Event()
    threading.Thread(target=lambda: (_enter_lock(storage), done.set())).start()
    assert done.wait(10)  # ... the thread lock is still held
    storage.store(TOKEN)
    assert storage.get() == TOKEN


@pytest.mark.parametrize("cls", CLASSES)
def test_an_interrupt_while_waiting_for_the_lock_releases_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cls: type[FileTokenStorage]
) -> None:
    path = tmp_path / "t.json"
    holder = FileTokenStorage(filename=str(path))
    storage = cls(filename=str(path))
    with holder.lock():

        def interrupted(seconds: float) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(storage_module.time, "sleep", interrupted)
        with pytest.raises(KeyboardInterrupt):
            _enter_lock(storage)
        monkeypatch.undo()
    with storage.lock(timeout=0):  # its lock file descriptor was closed, its count reset
        storage.store(TOKEN)
    with holder.lock(timeout=0):
        assert holder.get() == TOKEN


def test_a_path_that_does_not_look_like_a_path_is_described_never_shown(tmp_path: Path) -> None:
    # Accepted (it could be a real path), but a message never prints it whole:
    # braces or great length suggest a pasted secret rather than a file name.
    for odd in (tmp_path / '{"clientSecret": "SECRET"}' / "t.json", tmp_path / ("S" * 600)):
        storage = FileTokenStorage(filename=odd)
        assert storage.filename == str(odd)
        assert repr(storage) == (
            f"FileTokenStorage(filename='<a path of {len(str(odd)):,} characters, not shown>')"
        )
        failure = _failure(lambda storage=storage: storage.store(TOKEN))  # type: ignore[misc]
        lock_path = f"<a path of {len(str(odd)) + 5:,} characters, not shown>"
        assert failure.detail.startswith(f"cannot create the lock file {lock_path}")
        assert "SSSS" not in failure.detail


@given(
    st.one_of(
        st.tuples(st.text(), st.text()).map(lambda ab: ab[0] + "SECRETX" + ab[1]),
        st.tuples(st.text(), st.text()).map(lambda ab: "{" + ab[0] + "SECRETX" + ab[1]),
        st.tuples(st.text(), st.text()).map(lambda ab: "~" + ab[0] + "SECRETX" + ab[1]),
    )
)
def test_any_filename_builds_a_storage_or_a_config_error_that_never_quotes_it(value: str) -> None:
    try:
        storage = FileWithInMemoryCacheTokenStorage(filename=value)
    except BoxConfigError as exc:
        assert exc.error.field == "filename"  # type: ignore[union-attr]
        assert "SECRETX" not in str(exc)
    else:
        assert os.path.isabs(storage.filename)
        assert storage.filename.endswith(value.rsplit("/", 1)[-1])


# -- A token file on a read-only file system ------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A folder and a read-only bind mount of it (tests run as root, as CI does):
    the same files, writable through the first path only."""
    src, ro = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    ro.mkdir()
    mount, umount = shutil.which("mount"), shutil.which("umount")
    assert mount and umount, "mount(8) is needed (util-linux)"
    subprocess.run([mount, "--bind", str(src), str(ro)], check=True)
    try:
        subprocess.run([mount, "-o", "remount,ro,bind", str(ro)], check=True)
        yield src, ro
    finally:
        subprocess.run([umount, str(ro)], check=False)


def _oauth_on(box: Any, urls: BaseUrls, path: Path) -> BoxOAuth:
    storage = FileTokenStorage(str(path))
    config = OAuthConfig(box.fx.client_id, box.fx.client_secret, token_storage=storage)
    return BoxOAuth(config, base_urls=urls)


@pytest.mark.parametrize("left", [-10.0, 30.0], ids=["expired", "valid, inside the margin"])
def test_a_refresh_token_is_never_spent_when_the_answer_could_not_be_saved(
    box: Any, urls: BaseUrls, read_only: tuple[Path, Path], left: float
) -> None:
    """On a read-only file system the storage says it cannot save (``writable``):
    the refresh token is not sent. An expired token fails with the storage's
    failure; a still-valid one is used (with a warning) until it expires."""
    src, ro = read_only
    signer = _oauth_on(box, urls, src / "tok.json")
    pair = signer.get_tokens_from_redirect(authorize_redirect(signer.get_authorize_url()))
    due = dataclasses.replace(pair, expires_at=time.time() + left)
    FileTokenStorage(str(src / "tok.json")).store(due)
    auth = _oauth_on(box, urls, ro / "tok.json")
    box.emu.reset_counters()
    result = auth.retrieve_token_result()
    assert box.emu.grant_counts["refresh_token"] == 0
    assert box.emu.refresh_token_is_live(pair.refresh_token or "")
    if left < 0:
        assert isinstance(result, Failure)
        assert isinstance(result.failure(), StorageFailure)
        assert result.failure().kind is StorageFailureKind.WRITE  # type: ignore[union-attr]
    else:
        assert result == Success(due)
    forced = auth.refresh_token_result()  # forced: never spends it either
    assert isinstance(forced, Failure) and box.emu.grant_counts["refresh_token"] == 0
    assert auth.token_storage.writable() is False
    assert FileTokenStorage(str(src / "tok.json")).writable() is True


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs (tests run as root, as CI does), unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount, umount = shutil.which("mount"), shutil.which("umount")
    assert mount and umount, "mount(8) is needed (util-linux)"
    options = "size=64k,mode=0700"
    subprocess.run([mount, "-t", "tmpfs", "-o", options, "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run([umount, str(disk)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the disk: a file grown until the file system says ENOSPC."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
    return filler


def test_a_full_disk_keeps_the_refresh_token_unspent(
    box: Any, urls: BaseUrls, tiny_disk: Path
) -> None:
    """``access(2)`` says yes on a full disk; the storage's probe (a small file
    written and fsync'd) says no, so the refresh token is not sent. Once there
    is room, the next call refreshes."""
    path = tiny_disk / "tok.json"
    signer = _oauth_on(box, urls, path)
    pair = signer.get_tokens_from_redirect(authorize_redirect(signer.get_authorize_url()))
    FileTokenStorage(str(path)).store(dataclasses.replace(pair, expires_at=time.time() - 10))
    filler = _fill(tiny_disk)
    auth = _oauth_on(box, urls, path)
    box.emu.reset_counters()
    result = auth.retrieve_token_result()
    assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
    assert result.failure().kind is StorageFailureKind.WRITE  # type: ignore[union-attr]
    assert box.emu.grant_counts["refresh_token"] == 0
    assert box.emu.refresh_token_is_live(pair.refresh_token or "")
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "tok.json", "tok.json.lock"]
    filler.unlink()
    renewed = auth.retrieve_token_result()
    assert isinstance(renewed, Success) and box.emu.grant_counts["refresh_token"] == 1
    assert FileTokenStorage(str(path)).get() == renewed.unwrap()


def test_writable_is_judged_for_the_effective_user(tmp_path: Path) -> None:
    """A process whose effective user cannot write the folder (a daemon started
    as root that dropped to a service account with seteuid) is told no, though
    its real user (root) could: the probe writes, as the effective user does."""
    folder = Path(tempfile.mkdtemp(prefix="boxauth-euid-"))
    try:
        folder.chmod(0o755)  # root's, not writable by nobody
        assert _writable_in_a_child("", folder / "tok.json") == ["True"]
        assert _writable_in_a_child("os.seteuid(65534)", folder / "tok.json") == ["False"]
    finally:
        shutil.rmtree(folder)


# -- A token file that cannot be replaced ----------------------------------------------


@contextlib.contextmanager
def _unreplaceable(how: str, path: Path, record: bytes) -> Iterator[None]:
    """``path`` holds ``record`` and a save cannot rename over it, though a file
    can be created beside it (tests run as root, as CI does): a single-file bind
    mount (a container's ``-v ./token.json:/app/token.json``: EBUSY), an
    immutable or append-only file (``chattr +i``/``+a``: EPERM), or an
    append-only folder (names can be made there, never renamed or removed).
    Undone after."""
    tool = shutil.which("mount" if how == "bind mount" else "chattr")
    assert tool, f"{how} needs util-linux's mount(8) and e2fsprogs' chattr(1)"
    path.write_bytes(b"" if how == "bind mount" else record)
    path.chmod(0o600)
    # The storage makes its lock file; here it is made before the folder is fixed.
    (path.parent / f"{path.name}.lock").touch(0o600)
    if how == "append-only folder":
        subprocess.run([tool, "+a", str(path.parent)], check=True)
        undo = [tool, "-a", str(path.parent)]
    elif how == "bind mount":
        host = path.parent.parent / f"host-{path.name}"
        host.write_bytes(record)
        host.chmod(0o600)
        subprocess.run([tool, "--bind", str(host), str(path)], check=True)
        undo = [shutil.which("umount") or "umount", str(path)]
    else:
        flag = "i" if how == "immutable" else "a"
        subprocess.run([tool, f"+{flag}", str(path)], check=True)
        undo = [tool, f"-{flag}", str(path)]
    try:
        yield
    finally:
        subprocess.run(undo, check=True)


@pytest.mark.parametrize("how", ["bind mount", "immutable", "append-only", "append-only folder"])
def test_a_token_file_that_cannot_be_replaced_keeps_the_refresh_token_unspent(
    box: Any, urls: BaseUrls, tmp_path: Path, how: str
) -> None:
    """The folder is writable, so a temp file can be written, but the rename
    over the token file cannot land: the storage says it cannot save, and the
    stored refresh token is never sent. Once the obstacle is gone, it can."""
    signer = _oauth_on(box, urls, tmp_path / "signer.json")
    pair = signer.get_tokens_from_redirect(authorize_redirect(signer.get_authorize_url()))
    due = dataclasses.replace(pair, expires_at=time.time() - 10)
    folder = tmp_path / "app"
    folder.mkdir()
    path = folder / "tok.json"
    with _unreplaceable(how, path, token_to_json(due).encode()):
        auth = _oauth_on(box, urls, path)
        assert auth.token_storage.get() == due
        assert auth.token_storage.writable() is False
        box.emu.reset_counters()
        result = auth.retrieve_token_result()
        assert isinstance(result, Failure) and isinstance(result.failure(), StorageFailure)
        assert result.failure().kind is StorageFailureKind.WRITE  # type: ignore[union-attr]
        assert "bind mount" in result.failure().message()
        assert box.emu.grant_counts["refresh_token"] == 0
        assert box.emu.refresh_token_is_live(pair.refresh_token or "")
        assert sorted(p.name for p in folder.iterdir()) == ["tok.json", "tok.json.lock"]
    if how == "bind mount":
        path.write_bytes(token_to_json(due).encode())
    assert auth.token_storage.writable() is True
    renewed = auth.retrieve_token_result()
    assert isinstance(renewed, Success) and box.emu.grant_counts["refresh_token"] == 1


def test_the_probe_never_changes_the_token_file(tmp_path: Path) -> None:
    """``writable()`` changes nothing of the token file but its ctime (a hard
    link made beside it and removed): its inode, size, link count, mode and
    modification time stay as they were, and nothing is left beside it."""
    path = tmp_path / "tok.json"
    storage = FileTokenStorage(str(path))
    storage.store(AccessToken(access_token="a" * 32, refresh_token="r" * 64))
    before = path.stat()
    time.sleep(0.02)  # a change would show in the nanosecond times
    assert storage.writable() is True
    after = path.stat()
    fields = ("st_ino", "st_size", "st_nlink", "st_mtime_ns", "st_mode")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tok.json", "tok.json.lock"]


def _writable_in_a_child(setup: str, *paths: Path) -> list[str]:
    """``writable()`` of a file storage at each path, in a child that first runs
    ``setup`` (a privilege drop, a resource limit: neither can be undone here)."""
    script = (
        "import os, resource, sys\n"
        "from boxauth import FileTokenStorage\n"
        f"{setup}\n"
        "print(*(FileTokenStorage(path).writable() for path in sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


def _probe_under_limit(path: Path, limit: int) -> list[str]:
    """``writable()`` in a child whose file size limit (RLIMIT_FSIZE) is ``limit`` bytes."""
    return _writable_in_a_child(
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))", path
    )


def test_the_probe_asks_for_what_a_save_needs_not_more(tmp_path: Path) -> None:
    """The probe writes the current record's size plus 1 KiB: a file size limit
    of 4 KiB (a record is a few hundred bytes) lets a refresh go ahead; one
    smaller than the record does not."""
    path = tmp_path / "tok.json"
    FileTokenStorage(str(path)).store(AccessToken(access_token="a" * 32, refresh_token="r" * 64))
    size = path.stat().st_size
    assert size < 1024
    assert _probe_under_limit(path, 4096) == ["True"]
    assert _probe_under_limit(path, size // 2) == ["False"]


def test_in_a_sticky_folder_someone_elses_token_file_cannot_be_replaced(tmp_path: Path) -> None:
    """In a sticky folder (/tmp's mode 1777) only the file's or the folder's
    owner may rename over it: a process whose effective user is neither is told
    no, though it can write a temp file there."""
    folder = Path(tempfile.mkdtemp(prefix="boxauth-sticky-"))
    try:
        folder.chmod(0o1777)
        path = folder / "tok.json"
        FileTokenStorage(str(path)).store(AccessToken(access_token="a" * 32))
        os.chown(path, 1, 1)  # daemon's file, in root's folder
        mine = folder / "mine.json"
        assert _writable_in_a_child("os.seteuid(65534)", path, mine) == ["False", "True"]
    finally:
        shutil.rmtree(folder)


def test_on_an_overlay_of_two_file_systems_the_token_file_is_replaceable(tmp_path: Path) -> None:
    """An overlayfs whose layers are different file systems (an image layer and
    a tmpfs, as live systems and some container image stores have) gives a file
    and its folder different device numbers, yet a rename lands: the probe must
    say yes, or no refresh token would ever be spent again."""
    mount, umount = shutil.which("mount"), shutil.which("umount")
    assert mount and umount, "mount(8) is needed (util-linux)"
    low, up, merged = tmp_path / "low", tmp_path / "up", tmp_path / "merged"
    mounted: list[Path] = []
    try:
        for layer in (low, up):
            layer.mkdir()
            subprocess.run([mount, "-t", "tmpfs", "none", str(layer)], check=True)
            mounted.append(layer)
        (up / "u").mkdir()
        (up / "w").mkdir()
        (low / "app").mkdir()
        merged.mkdir()
        layers = f"lowerdir={low},upperdir={up / 'u'},workdir={up / 'w'}"
        subprocess.run([mount, "-t", "overlay", "overlay", "-o", layers, str(merged)], check=True)
        mounted.append(merged)
        path = merged / "app" / "tok.json"
        storage = FileTokenStorage(str(path))
        storage.store(AccessToken(access_token="a" * 32, refresh_token="r" * 64))
        assert path.stat().st_dev != path.parent.stat().st_dev  # the setup the test is about
        assert storage.writable() is True
        storage.store(AccessToken(access_token="b" * 32, refresh_token="s" * 64))
        assert storage.get() == AccessToken(access_token="b" * 32, refresh_token="s" * 64)
    finally:
        for point in reversed(mounted):
            subprocess.run([umount, str(point)], check=False)
