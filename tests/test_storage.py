"""Token storages: round trips, 0600 files written atomically, corrupt files, locks."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
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

from boxauth.access_token import MAX_SERIALIZED, AccessToken, RestrictedTo, token_to_json
from boxauth.errors import StorageFailure, StorageFailureKind
from boxauth.exceptions import BoxStorageError

SECRET = "acc-SECRET-token-text"
TOKEN = AccessToken(
    access_token=SECRET,
    refresh_token="ref-SECRET-token-text",
    expires_in=3600,
    token_type="bearer",
    restricted_to=[RestrictedTo("item_preview", "file", "123", "a.txt"), RestrictedTo("base")],
    issued_token_type="urn:ietf:params:oauth:token-type:access_token",
    expires_at=1_700_003_600.5,
)
OTHER = AccessToken(access_token="other-token", expires_at=1.0)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "token.json"


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def _all(path: Path) -> list[TokenStorage]:
    return [
        InMemoryTokenStorage(),
        FileTokenStorage(filename=str(path)),
        FileWithInMemoryCacheTokenStorage(filename=str(path)),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_store_get_clear_round_trip(path: Path, index: int) -> None:
    storage = _all(path)[index]
    assert storage.get() is None
    storage.store(TOKEN)
    got = storage.get()
    assert got == TOKEN
    assert got is not None and got.restricted_to == TOKEN.restricted_to
    assert got.expires_at == 1_700_003_600.5
    storage.store(OTHER)
    assert storage.get() == OTHER
    storage.clear()
    assert storage.get() is None
    storage.clear()  # clearing twice is fine
    assert not path.exists()


def test_file_holds_json_and_a_new_instance_reads_it(path: Path) -> None:
    FileTokenStorage(filename=str(path)).store(TOKEN)
    assert path.read_text().startswith("{")
    assert FileTokenStorage(filename=str(path)).get() == TOKEN
    assert FileWithInMemoryCacheTokenStorage(filename=str(path)).get() == TOKEN


def test_default_filename_is_in_the_current_directory_when_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert FileTokenStorage().filename == str(tmp_path / ".boxauth_token.json")


def test_reprs_show_class_and_filename_only(path: Path) -> None:
    for storage in _all(path):
        storage.store(TOKEN)
        text = repr(storage)
        assert SECRET not in text and "SECRET" not in text
    assert repr(FileTokenStorage(filename="/d/t.json")) == "FileTokenStorage(filename='/d/t.json')"
    assert repr(InMemoryTokenStorage()) == "InMemoryTokenStorage()"


# -- permissions and atomicity -----------------------------------------------------------


@pytest.mark.parametrize("cls", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_mode_is_0600_even_with_umask_zero(path: Path, umask_zero: None, cls: type) -> None:
    cls(filename=str(path)).store(TOKEN)
    assert _mode(path) == 0o600


def test_mode_is_0600_with_a_narrow_umask(path: Path) -> None:
    old = os.umask(0o277)
    try:
        FileTokenStorage(filename=str(path)).store(TOKEN)
    finally:
        os.umask(old)
    assert _mode(path) == 0o600


def test_temp_file_is_never_wider_than_0600(
    path: Path, umask_zero: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace
    seen: list[tuple[str, int, str]] = []

    def spy(src: Any, dst: Any, **dir_fds: Any) -> None:
        # Just before the rename: the temp file already holds the whole token.
        folder = os.readlink(f"/proc/self/fd/{dir_fds['src_dir_fd']}")
        temp = Path(folder, src)
        seen.append((folder, _mode(temp), temp.read_text()))
        real_replace(src, dst, **dir_fds)

    monkeypatch.setattr(os, "replace", spy)
    FileTokenStorage(filename=str(path)).store(TOKEN)
    assert seen == [(str(path.parent), 0o600, path.read_text())]


def test_temp_file_is_created_0600_before_any_byte_is_written(
    path: Path, umask_zero: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open, real_write = os.open, os.write
    created: list[tuple[int, int]] = []
    modes_at_write: list[int] = []

    def spy_open(file: Any, flags: int, mode: int = 0o777, **kwargs: Any) -> int:
        if os.fspath(file).endswith(".tmp"):
            created.append((flags & os.O_EXCL, mode))
        return real_open(file, flags, mode, **kwargs)

    def spy_write(fd: int, data: Any) -> int:
        modes_at_write.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "write", spy_write)
    FileTokenStorage(filename=str(path)).store(TOKEN)
    assert created == [(os.O_EXCL, 0o600)]
    assert modes_at_write and set(modes_at_write) == {0o600}


def test_a_wider_existing_file_is_narrowed(path: Path) -> None:
    path.write_text("{}")
    path.chmod(0o644)
    FileTokenStorage(filename=str(path)).store(TOKEN)
    assert _mode(path) == 0o600


def test_store_replaces_the_inode(path: Path) -> None:
    storage = FileTokenStorage(filename=str(path))
    storage.store(TOKEN)
    before = path.stat().st_ino
    storage.store(OTHER)
    assert path.stat().st_ino != before
    assert storage.get() == OTHER


def test_failed_replace_keeps_old_content_and_no_temp(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = FileTokenStorage(filename=str(path))
    storage.store(TOKEN)
    old = path.read_bytes()

    def crash(src: Any, dst: Any, **dir_fds: Any) -> None:
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(BoxStorageError, match="No space") as caught:
        storage.store(OTHER)
    assert caught.value.error.kind is StorageFailureKind.WRITE
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert path.read_bytes() == old
    assert sorted(p.name for p in path.parent.iterdir()) == ["token.json", "token.json.lock"]


def test_failed_write_removes_the_temp(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(BoxStorageError, match="I/O error") as caught:
        FileTokenStorage(filename=str(path)).store(TOKEN)
    assert caught.value.error.kind is StorageFailureKind.WRITE
    assert [p.name for p in path.parent.iterdir()] == ["token.json.lock"]


def test_cache_keeps_old_token_when_the_write_fails(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = FileWithInMemoryCacheTokenStorage(filename=str(path))
    storage.store(TOKEN)

    def crash(src: Any, dst: Any, **dir_fds: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(BoxStorageError):
        storage.store(OTHER)
    assert storage.get() == TOKEN  # memory agrees with the file


# -- unusable files -------------------------------------------------------------------


def _huge() -> str:
    return '{"access_token": "' + "x" * (MAX_SERIALIZED + 10) + '"}'


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"access_token": "' + SECRET.encode(), "corrupt"),  # torn JSON
        (b"", "corrupt"),
        (b'{"access_token": 42, "refresh_token": "' + SECRET.encode() + b'"}', "corrupt"),
        (b'{"access_token": "' + SECRET.encode() + b'", "expires_at": "soon"}', "corrupt"),
        (b'{"access_token": "\xff' + SECRET.encode() + b'"}', "UTF-8"),
    ],
)
@pytest.mark.parametrize("cls", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_unusable_file_is_empty_with_one_clean_warning(
    path: Path, caplog: pytest.LogCaptureFixture, cls: type, content: bytes, problem: str
) -> None:
    path.write_bytes(content)
    path.chmod(0o600)
    storage = cls(filename=str(path))
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        assert storage.get() is None
        assert storage.get() is None  # the same unchanged file: no second warning
    records = [r for r in caplog.records if r.name == "boxauth"]
    assert len(records) == 1
    message = records[0].getMessage()
    assert str(path) in message and problem in message and "the next save replaces it" in message
    assert "SECRET" not in message and "xxxx" not in message
    assert "readable by other users" not in message
    storage.store(TOKEN)  # a corrupt file holds no usable token: the next store replaces it
    assert FileTokenStorage(filename=str(path)).get() == TOKEN


APP_CONFIG = {
    "boxAppSettings": {
        "clientID": "abc",
        "clientSecret": SECRET,
        "appAuth": {"publicKeyID": "k", "privateKey": SECRET, "passphrase": SECRET},
    },
    "enterpriseID": "1",
}


# Other tools' OAuth credentials share a key or two with a token record (gcloud's
# application_default_credentials.json; an AWS SSO cache in ~/.aws/sso/cache/).
GCLOUD_ADC = {
    "client_id": "764086051850-x.apps.googleusercontent.com",
    "client_secret": SECRET,
    "refresh_token": SECRET,
    "type": "authorized_user",
}
AWS_SSO_CACHE = {
    "startUrl": "https://example.awsapps.com/start",
    "region": "us-east-1",
    "accessToken": SECRET,
    "expiresAt": "2026-12-01T12:00:00Z",
    "clientId": "c",
    "clientSecret": SECRET,
    "refreshToken": SECRET,
}


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(APP_CONFIG),
        '{"enterpriseID": "1"}',
        f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{SECRET}\n-----END ENCRYPTED PRIVATE KEY-----\n",
        "not json " + SECRET,
        '["' + SECRET + '"]',
        _huge(),
        json.dumps(GCLOUD_ADC),
        json.dumps(AWS_SSO_CACHE),
        json.dumps(GCLOUD_ADC)[:-1] + ",",
        json.dumps({"accessToken": SECRET, "refreshToken": SECRET, "expiresAt": 1}),
    ],
    ids=[
        "app config",
        "no record key",
        "PEM key",
        "text",
        "JSON list",
        "too large",
        "gcloud credentials",
        "AWS SSO cache",
        "gcloud credentials, damaged",
        "camelCase keys (no storage writes them)",
    ],
)
@pytest.mark.parametrize("cls", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_json_that_is_not_a_token_record_is_refused_and_never_replaced(
    path: Path, cls: type, content: str
) -> None:
    """A file a token storage never wrote (an app config, a PEM key, anything not
    one JSON object of at most 256 KiB) is refused outright, naming the file,
    never its contents: reading it as empty would let the next save replace it."""
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(BoxStorageError) as caught:
        cls(filename=str(path)).get()
    assert caught.value.value is not None
    assert caught.value.value.kind is StorageFailureKind.UNTRUSTED  # type: ignore[union-attr]
    assert str(path) in str(caught.value) and "other than a token record" in str(caught.value)
    assert SECRET not in str(caught.value) + repr(caught.value)
    assert "xxxx" not in str(caught.value)
    assert path.read_text() == content


@pytest.mark.parametrize("cls", [FileTokenStorage, FileWithInMemoryCacheTokenStorage])
def test_a_record_an_editor_saved_with_a_byte_order_mark_is_read(path: Path, cls: type) -> None:
    """A UTF-8 BOM (Notepad, PowerShell 5's ``Set-Content -Encoding UTF8``) is
    not a foreign file: the record is read, and the next save writes it without."""
    path.write_bytes(b"\xef\xbb\xbf" + token_to_json(TOKEN).encode())
    path.chmod(0o600)
    storage = cls(filename=str(path))
    assert storage.get() == TOKEN
    storage.store(TOKEN)
    assert path.read_bytes() == token_to_json(TOKEN).encode()


def test_a_corrupt_file_readable_by_others_gets_one_warning_saying_both(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_bytes(b'{"access_token": "' + SECRET.encode())  # ours, torn
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="boxauth"):
        assert FileTokenStorage(filename=str(path)).get() is None
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "corrupt" in message and "readable by other users" in message
    assert SECRET not in message


def test_directory_at_the_path_is_a_typed_error(path: Path) -> None:
    path.mkdir()
    with pytest.raises(BoxStorageError) as caught:
        FileTokenStorage(filename=str(path)).get()
    assert caught.value.error.kind is StorageFailureKind.UNTRUSTED
    assert caught.value.error.detail == f"{path} is a directory, not a regular file"


def test_unreadable_file_is_a_typed_read_error(
    path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    FileTokenStorage(filename=str(path)).store(TOKEN)
    real_open = os.open

    def denied(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # chmod 000 does not stop root, so refuse the open the way the kernel would.
        if os.fspath(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(BoxStorageError) as caught:
        FileTokenStorage(filename=str(path)).get()
    assert caught.value.error == StorageFailure(
        StorageFailureKind.READ, f"cannot read {path} (Permission denied)"
    )
    assert caught.value.__context__ is None


def test_missing_file_is_empty_without_warning(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="boxauth"):
        assert FileTokenStorage(filename=str(path)).get() is None
    assert caplog.records == []


# -- the cached file storage -------------------------------------------------------------


def _count_reads(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[int]:
    """How many times the file was looked at: opened for reading, or stat'ed."""
    count = [0]
    real_open: Callable[..., int] = os.open
    real_stat: Callable[..., os.stat_result] = os.stat

    def counting(file: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(file) == str(path) and flags & os.O_ACCMODE == os.O_RDONLY:
            count[0] += 1
        return real_open(file, flags, *args, **kwargs)

    def counting_stat(file: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(file) == str(path):
            count[0] += 1
        return real_stat(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting)
    monkeypatch.setattr(os, "stat", counting_stat)
    return count


def test_cache_reads_the_file_once(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FileTokenStorage(filename=str(path)).store(TOKEN)
    reads = _count_reads(monkeypatch, path)
    storage = FileWithInMemoryCacheTokenStorage(filename=str(path))
    for _ in range(10):
        assert storage.get() == TOKEN
    assert reads[0] == 2  # one stat and one open, once


def test_cache_reads_a_missing_file_once(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _count_reads(monkeypatch, path)
    storage = FileWithInMemoryCacheTokenStorage(filename=str(path))
    assert storage.get() is None and storage.get() is None
    assert reads[0] == 1


def test_cache_writes_through_and_clear_clears_both(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = FileWithInMemoryCacheTokenStorage(filename=str(path))
    reads = _count_reads(monkeypatch, path)
    storage.store(TOKEN)
    assert reads[0] == 0
    assert FileTokenStorage(filename=str(path)).get() == TOKEN  # on disk
    assert reads[0] == 2  # the plain storage's stat and open
    assert storage.get() == TOKEN
    assert reads[0] == 2  # the cache served its own
    storage.clear()
    assert not path.exists()
    assert storage.get() is None


def test_cache_rereads_the_file_under_lock(path: Path) -> None:
    cached = FileWithInMemoryCacheTokenStorage(filename=str(path))
    cached.store(TOKEN)
    FileTokenStorage(filename=str(path)).store(OTHER)  # "another process"
    assert cached.get() == TOKEN  # a bare get is served from memory
    with cached.lock():
        assert cached.get() == OTHER  # under the lock it sees the latest file
    assert cached.reload() == OTHER


# -- locks ---------------------------------------------------------------------------


class DictStorage(TokenStorage):
    """A user's own storage: only the three abstract methods, no __init__."""

    data: dict[str, AccessToken]

    def store(self, token: AccessToken) -> None:
        self.__dict__.setdefault("data", {})["t"] = token

    def get(self) -> AccessToken | None:
        return self.__dict__.get("data", {}).get("t")

    def clear(self) -> None:
        self.__dict__.pop("data", None)


def test_token_storage_is_abstract() -> None:
    with pytest.raises(TypeError):
        TokenStorage()  # type: ignore[abstract]


def test_a_custom_subclass_works_with_the_default_lock() -> None:
    storage = DictStorage()
    with storage.lock():
        assert storage.get() is None
        storage.store(TOKEN)
        with storage.lock():  # reentrant in one thread
            assert storage.get() == TOKEN
    storage.clear()
    assert storage.get() is None


@pytest.mark.parametrize("make", [InMemoryTokenStorage, DictStorage])
def test_default_lock_excludes_other_threads(make: Callable[[], TokenStorage]) -> None:
    storage = make()
    _held_by_other_thread(storage, lambda: storage.lock(timeout=0.1))


def _held_by_other_thread(storage: TokenStorage, attempt: Callable[[], Any]) -> None:
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with storage.lock():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(StorageLockTimeout), attempt():
            pass
    finally:
        release.set()
        thread.join(10)
    with attempt():  # free once released
        pass


def test_file_lock_excludes_threads_of_one_process(path: Path) -> None:
    storage = FileTokenStorage(filename=str(path))
    _held_by_other_thread(storage, lambda: storage.lock(timeout=0.1))
    # Another instance on the same file is excluded too (flock, not just the thread lock).
    other = FileTokenStorage(filename=str(path))
    _held_by_other_thread(storage, lambda: other.lock(timeout=0.1))


def test_file_lock_is_reentrant_and_lock_file_is_0600(path: Path, umask_zero: None) -> None:
    storage = FileTokenStorage(filename=str(path))
    with storage.lock(), storage.lock():
        storage.store(TOKEN)
    lock_file = Path(str(path) + ".lock")
    assert _mode(lock_file) == 0o600
    with FileTokenStorage(filename=str(path)).lock(timeout=0):  # released after nesting
        pass


_CHILD = """
import sys, time
from boxauth.adapters.storage import FileTokenStorage
with FileTokenStorage(filename=sys.argv[1]).lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_file_lock_excludes_another_process_until_it_dies(path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        storage = FileTokenStorage(filename=str(path))
        started = time.monotonic()
        with pytest.raises(StorageLockTimeout) as caught, storage.lock(timeout=0.2):
            pass
        assert 0.2 <= time.monotonic() - started < 5
        assert str(path) + ".lock" in str(caught.value)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        # The kernel dropped the dead process's flock: no stale lock to clean up.
        with storage.lock(timeout=0.2):
            storage.store(TOKEN)
        assert storage.get() == TOKEN
    finally:
        child.kill()
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()


def test_storage_module_uses_no_pickle() -> None:
    source = Path(storage_module.__file__).read_text()
    assert "import pickle" not in source and "pickle." not in source


def test_file_get_reuses_the_parse_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.json"
    storage = FileTokenStorage(filename=str(path))
    first = AccessToken(access_token="first-token", expires_in=3600, expires_at=2e9)
    storage.store(first)
    reads: list[str] = []
    real = storage_module.read_trusted

    def counting(p: str, limit: int) -> Any:
        reads.append(p)
        return real(p, limit)

    monkeypatch.setattr(storage_module, "read_trusted", counting)
    a = storage.get()
    b = storage.get()
    assert a == first and b is a
    assert len(reads) == 1
    second = AccessToken(access_token="second-token", expires_in=3600, expires_at=2e9)
    FileTokenStorage(filename=str(path)).store(second)  # another writer, new inode
    assert storage.get() == second
    assert len(reads) == 2
    path.chmod(0o640)  # same inode and contents, new mode: judged again
    assert storage.get() == second
    assert len(reads) == 3
