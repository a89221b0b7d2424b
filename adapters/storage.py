"""Token storages, with box_sdk_gen's names: in memory, in a file, or both.

The auth shell uses a storage like this::

    with storage.lock():
        token = storage.get()
        ...               # maybe fetch or refresh
        storage.store(new_token)

so ``lock()`` is what makes a refresh single-flight: across threads for every
storage, and across processes for the file storages.

File storages write JSON (never pickle) atomically: a 0600 temp file in the
same directory, fsync, ``os.replace``, fsync of the directory. A reader sees
the old token or the new one, never a torn file, even after ``kill -9``.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import stat
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

from ..access_token import MAX_SERIALIZED, AccessToken, token_from_json, token_to_json

log = logging.getLogger("boxauth")

_POLL = 0.01  # seconds between flock attempts: short, next to a token request


class StorageLockTimeout(Exception):  # noqa: N818 - the public name the spec fixes
    """``lock()`` could not be taken within its timeout."""


@contextmanager
def _acquired(lock: threading.RLock, timeout: float, what: str) -> Iterator[None]:
    if not lock.acquire(timeout=max(timeout, 0.0)):
        raise StorageLockTimeout(f"timed out after {timeout:g}s waiting for {what}")
    try:
        yield
    finally:
        lock.release()


class TokenStorage(ABC):
    """Where an auth object keeps its token. Subclass it to keep tokens elsewhere.

    Only store, get and clear are required. ``lock()`` defaults to a lock that
    is private to this instance; override it to coordinate across processes.
    """

    @abstractmethod
    def store(self, token: AccessToken) -> None: ...

    @abstractmethod
    def get(self) -> AccessToken | None: ...

    @abstractmethod
    def clear(self) -> None: ...

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        """Hold this while reading, renewing and storing the token."""
        # Created on first use, so a subclass need not call super().__init__();
        # dict.setdefault is atomic, so two threads still get one lock.
        rlock = self.__dict__.setdefault("_boxauth_rlock", threading.RLock())
        return _acquired(rlock, timeout, f"the lock of {type(self).__name__}")


class InMemoryTokenStorage(TokenStorage):
    """The default. Thread-safe: the token is one immutable value, swapped whole."""

    def __init__(self) -> None:
        self._token: AccessToken | None = None

    def store(self, token: AccessToken) -> None:
        self._token = token

    def get(self) -> AccessToken | None:
        return self._token

    def clear(self) -> None:
        self._token = None

    def __repr__(self) -> str:
        return "InMemoryTokenStorage()"


class FileTokenStorage(TokenStorage):
    """A JSON file, mode 0600, replaced atomically on every store."""

    def __init__(self, filename: str = ".boxauth_token.json") -> None:
        self.filename = os.fspath(filename)
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting of lock() in the thread that holds it
        self._lock_fd: int | None = None
        # (file identity, token parsed from it): stores replace the file (new
        # inode), so an unchanged identity means unchanged contents, and get()
        # can skip the read and the parse. Swapped as one tuple.
        self._seen: tuple[tuple[int, int, int, int], AccessToken] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(filename={self.filename!r})"

    def store(self, token: AccessToken) -> None:
        _write_atomically(self.filename, token_to_json(token).encode("utf-8"))

    def get(self) -> AccessToken | None:
        try:
            info = os.stat(self.filename)
        except OSError:
            return _read_token(self.filename)  # missing or unreadable: it says which
        key = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
        seen = self._seen
        if seen is not None and seen[0] == key:
            return seen[1]
        token = _read_token(self.filename)
        self._seen = None if token is None else (key, token)
        return token

    def clear(self) -> None:
        try:
            os.unlink(self.filename)
        except FileNotFoundError:
            return
        _fsync_dir(self.filename)

    def lock(self, timeout: float = 30.0) -> AbstractContextManager[None]:
        """Exclusive across threads and processes: ``fcntl.flock`` on ``<filename>.lock``.

        Why flock: the kernel releases it when the holding process dies, even by
        ``kill -9``, so there is never a stale lock to clean up; and it is in the
        standard library, so no new dependency. The lock file is never deleted
        (deleting it would let two processes lock two different files).
        """
        return self._locked(timeout)

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        with _acquired(self._thread_lock, timeout, self.filename + ".lock"):
            if self._depth == 0:  # only the outermost lock() in this thread takes flock
                self._lock_fd = _flock(self.filename + ".lock", deadline, timeout)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._lock_fd is not None:
                    os.close(self._lock_fd)  # closing releases the flock
                    self._lock_fd = None


class FileWithInMemoryCacheTokenStorage(FileTokenStorage):
    """A file storage that reads the file once and then serves from memory.

    Writes go through to the file. Because another process may have changed the
    file, taking ``lock()`` re-reads it (``reload()``): so ``with storage.lock():
    storage.get()`` always sees the latest token, while a bare ``get()`` is
    served from memory.
    """

    def __init__(self, filename: str = ".boxauth_token.json") -> None:
        super().__init__(filename)
        self._cache: AccessToken | None = None
        self._loaded = False
        self._load_lock = threading.Lock()

    def reload(self) -> AccessToken | None:
        """Read the file again and cache what it holds."""
        with self._load_lock:
            self._cache = super().get()
            self._loaded = True
            return self._cache

    def get(self) -> AccessToken | None:
        if not self._loaded:
            with self._load_lock:
                if not self._loaded:
                    self._cache = super().get()
                    self._loaded = True
        return self._cache

    def store(self, token: AccessToken) -> None:
        super().store(token)  # the file first: if it fails, memory stays as the file is
        self._cache, self._loaded = token, True

    def clear(self) -> None:
        super().clear()
        self._cache, self._loaded = None, True

    @contextmanager
    def _locked(self, timeout: float) -> Iterator[None]:
        with super()._locked(timeout):
            self.reload()
            yield


# -- file helpers ---------------------------------------------------------------------


def _fsync_dir(path: str) -> None:
    """Make a rename or unlink in ``path``'s directory durable."""
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(path: str, data: bytes) -> None:
    folder, name = os.path.split(os.path.abspath(path))
    temp = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL + 0600 at creation: the file is never wider than 0600, whatever the umask.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            os.fchmod(fd, 0o600)  # a umask like 0o277 would have made it narrower
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)  # a new inode: wider modes on the old file go with it
    except BaseException:
        # BaseException too: a KeyboardInterrupt mid-write must not leave a temp behind.
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(path)


def _read_token(path: str) -> AccessToken | None:
    """The stored token; None if missing, or (with one warning) if unusable.

    Warnings name the file and the problem, never the contents: they are secrets.
    """
    raw, problem = _read_bytes(path)
    if raw is not None:
        try:
            parsed = token_from_json(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problem = "is not UTF-8 text"
        else:
            token = parsed.value_or(None)
            if token is not None:
                return token
            problem = f"is corrupt ({parsed.failure().message()})"
    if problem:
        log.warning("token file %s %s; ignoring it", path, problem)
    return None


def _read_bytes(path: str) -> tuple[bytes | None, str]:
    """``(contents, "")``, or ``(None, problem)``; a missing file has no problem."""
    try:
        # O_NONBLOCK: a FIFO planted at the path must not hang us.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"is unreadable ({exc.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        if info.st_size > MAX_SERIALIZED:
            return None, "is too large to be a token"
        # One byte over the cap, so a file that grew after fstat is still refused.
        raw = os.read(fd, MAX_SERIALIZED + 1)
    except OSError as exc:
        return None, f"is unreadable ({exc.strerror})"
    finally:
        os.close(fd)
    if len(raw) > MAX_SERIALIZED:
        return None, "is too large to be a token"
    return raw, ""


def _flock(path: str, deadline: float, timeout: float) -> int:
    """An open fd holding an exclusive flock on ``path``, or StorageLockTimeout."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StorageLockTimeout(
                        f"timed out after {timeout:g}s waiting for the lock file {path}"
                    ) from None
                time.sleep(min(_POLL, left))
    except BaseException:
        os.close(fd)
        raise
